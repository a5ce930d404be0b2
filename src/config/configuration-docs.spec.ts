import 'reflect-metadata';
import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentVariables } from './environment';

/**
 * docs/configuration.md, .env.example and the configuration validator must name the same
 * variables: a variable added to the code but not documented (or documented but gone) fails
 * here, by name.
 */
const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Every property of the validator class (each carries at least @IsOptional()). */
function validatorNames(): string[] {
  return getMetadataStorage()
    .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
    .map((metadata) => metadata.propertyName);
}

/** `NAME=value` lines of an env file; commented-out `# NAME=` lines count too. */
function envFileNames(text: string): string[] {
  return text
    .split('\n')
    .map((line) => /^\s*(?:#\s*)?([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** The first cell of every markdown table row, when it is exactly one `` `NAME` ``. */
function markdownTableNames(text: string): string[] {
  return text
    .split('\n')
    .map((line) => /^\s*\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

function duplicates(names: string[]): string[] {
  return [...new Set(names.filter((name, i) => names.indexOf(name) !== i))];
}

/** Human-readable differences between the reference set and another source. */
function differences(reference: Set<string>, source: string, names: string[]): string[] {
  const found = new Set(names);
  return [
    ...[...reference].filter((n) => !found.has(n)).map((n) => `${source} is missing ${n}`),
    ...[...found].filter((n) => !reference.has(n)).map((n) => `${source} names unknown ${n}`),
    ...duplicates(names).map((n) => `${source} names ${n} more than once`),
  ].sort();
}

describe('configuration documentation', () => {
  const validator = new Set(validatorNames());

  it('finds the variables of the validator', () => {
    expect(validator.size).toBeGreaterThan(20);
    expect(validator).toContain('DATABASE_URL');
  });

  it('docs/configuration.md has one table row per variable of the validator', () => {
    const names = markdownTableNames(read('docs/configuration.md'));
    expect(differences(validator, 'docs/configuration.md', names)).toEqual([]);
  });

  it('.env.example names every variable of the validator (set or commented out)', () => {
    const names = envFileNames(read('.env.example'));
    expect(differences(validator, '.env.example', names)).toEqual([]);
  });

  it('parses the forms the documents use', () => {
    expect(
      envFileNames('# A comment.\nPORT=3000\n# REDIS_URL=redis://x\n#  JWT_KEYS_DIR=\n'),
    ).toEqual(['PORT', 'REDIS_URL', 'JWT_KEYS_DIR']);
    expect(
      markdownTableNames(
        '| variable | default |\n| --- | --- |\n| `PORT` | `3000` |\n|`HOST`|x|\n| see `PORT` | x |\n',
      ),
    ).toEqual(['PORT', 'HOST']);
  });
});
