import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderRunbook, type RunbookView } from './runbook.js';

const view = { drEnv: 'dr-usw2', primary: 'prod-use1' } as unknown as RunbookView;

function templateRoot(text: string): string {
  const root = mkdtempSync(join(tmpdir(), 'parity-runbook-'));
  mkdirSync(join(root, 'templates', 'runbook'), { recursive: true });
  writeFileSync(join(root, 'templates', 'runbook', 'RUNBOOK.md.hbs'), text);
  return root;
}

describe('the runbook template', () => {
  it('renders the view', () => {
    const root = templateRoot('# {{primary}} → {{drEnv}}\n');
    try {
      expect(renderRunbook(root, view)).toBe('# prod-use1 → dr-usw2\n');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('fails: a key the view does not have is an error (strict mode), not empty text', () => {
    const root = templateRoot('# {{primry}} → {{drEnv}}\n');
    try {
      expect(() => renderRunbook(root, view)).toThrow(/"primry" not defined/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
