/**
 * pnpm --filter @parity/model refresh:aws [--endpoints <endpoints.json>] [--botocore-version <v>]
 *
 * Refresh data/aws-regions.json from botocore's endpoints.json (found through python3 when not
 * given). Writes atomically and prints what changed; new regions need their hand-kept fields
 * (country, jurisdiction, continent, optIn) filled in from the sources in data/SOURCES.md.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readEndpoints, refreshAwsCatalog, type AwsCatalogFile } from '../src/refresh.js';

const { values } = parseArgs({ options: { endpoints: { type: 'string' }, 'botocore-version': { type: 'string' } } });
let file = values.endpoints;
let version = values['botocore-version'];
if (!file) {
  const out = execFileSync('python3', ['-c', 'import botocore,os;print(os.path.dirname(botocore.__file__));print(botocore.__version__)'], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n');
  file = join(out[0]!, 'data', 'endpoints.json');
  version ??= out[1];
}
if (!version) throw new Error('--botocore-version is required with --endpoints');
const target = new URL('../data/aws-regions.json', import.meta.url);
const current = JSON.parse(readFileSync(target, 'utf8')) as AwsCatalogFile;
const r = refreshAwsCatalog(current, readEndpoints(file), version, new Date().toISOString().slice(0, 10));
const tmp = new URL('../data/aws-regions.json.tmp', import.meta.url);
writeFileSync(tmp, `${JSON.stringify(r.catalog, null, 1)}\n`);
renameSync(tmp, target);
console.log(`aws-regions.json refreshed from botocore ${version} (${file})`);
console.log(`  regions: ${r.catalog.regions.length}; added ${r.added.join(', ') || 'none'}; removed ${r.removed.join(', ') || 'none'}`);
for (const c of r.changes) console.log(`  ${c.region}: +${c.gained.join(' +') || ''} ${c.lost.map((s) => `-${s}`).join(' ')}`);
if (r.added.length) console.log('  fill in country, jurisdiction, continent and optIn for the added regions (see data/SOURCES.md)');
