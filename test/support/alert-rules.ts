import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The example alert rules of docs/operations.md#example-alert-rules: the first ```yaml block
 * after that heading. The docs are the source; the tests check what a reader would copy.
 */
export function documentedAlertRules(): string {
  const docs = readFileSync(join(__dirname, '..', '..', 'docs', 'operations.md'), 'utf8');
  const section = docs.slice(docs.indexOf('### Example alert rules'));
  const match = /```yaml\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('no yaml block under "Example alert rules" in docs/operations.md');
  return match[1];
}
