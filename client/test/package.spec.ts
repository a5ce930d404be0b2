import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(__dirname, '..', '..');

describe('@latch/client package', () => {
  it('bundles to under 4 KB minified and gzipped, with no runtime dependency', async () => {
    const result = await build({
      entryPoints: [join(root, 'client', 'src', 'index.ts')],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      metafile: true,
    });
    const bytes = gzipSync(result.outputFiles[0].contents, { level: 9 }).length;
    console.log(`@latch/client: ${bytes} bytes min+gzip`);
    expect(bytes).toBeLessThan(4096);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => input.includes('node_modules'))).toEqual([]);
  });

  // Boots the built service (npm test builds it first) and compares its /docs-json, through
  // openapi-typescript, with the checked-in client/src/openapi.ts.
  it('has types generated from the current service OpenAPI document', async () => {
    const script = join(root, 'client', 'scripts', 'generate-types.mjs');
    await expect(
      promisify(execFile)(process.execPath, [script, '--check'], { cwd: root }),
    ).resolves.toMatchObject({ stdout: expect.stringContaining('matches') });
  }, 120_000);
});
