import { describe, expect, it } from 'vitest';
import { NAME_RULES, namer } from '@parity/model';
import { GCP_PAIR, withParams, REPO_ROOT, synthToJson, type Block, only, synthFixtures } from '@parity/synth';
import type { BackupParams } from './index.js';

// The example definition's cluster is stateless (volumes: none): most of these tests are about the
// plan the bundle makes for a cluster that keeps data on volumes.
const stateless = await synthFixtures(GCP_PAIR);
const envs = new Map([...stateless.envs].map(([n, e]) => [n, withParams(e, 'cluster', { volumes: 'backup' })]));
const json = new Map(await Promise.all([...envs].map(async ([n, e]) => [n, await synthToJson(REPO_ROOT, e)] as const)));

const env = (name: string) => envs.get(name)!;
const plan = (name: string) => only(json.get(name)!, 'google_gke_backup_backup_plan')[1];
const sqlBackupLocation = (name: string) =>
  ((only(json.get(name)!, 'google_sql_database_instance')[1].settings as Block).backup_configuration as Block).location;

const job = (name: string) => only(json.get(name)!, 'google_cloud_scheduler_job');
const httpTarget = (name: string) => job(name)[1].http_target as Block;
const decodedBody = (name: string) =>
  JSON.parse(Buffer.from(String(httpTarget(name).body), 'base64').toString('utf8')) as Record<string, unknown>;

describe('backup on GCP', () => {
  it('keeps the Terraform address of the backup plan', () => {
    // Renaming it replaces the plan, and Backup for GKE deletes a plan's backups with it.
    expect(only(json.get('prod-gcp-euw1')!, 'google_gke_backup_backup_plan')[0]).toBe('backup_gke-plan_34448339');
  });

  it("keeps the production cluster's backups in its DR region, on the schedule derived from the RPO", () => {
    const p = plan('prod-gcp-euw1');
    const [clusterId] = only(json.get('prod-gcp-euw1')!, 'google_container_cluster');
    expect(p).toMatchObject({
      name: 'acme-prod-gcp-euw1-gke',
      location: 'europe-west4',
      cluster: `\${google_container_cluster.${clusterId}.id}`,
      retention_policy: { backup_retain_days: 35 },
      backup_schedule: { cron_schedule: env('prod-gcp-euw1').backup.cron },
      backup_config: { include_volume_data: true, include_secrets: true, all_namespaces: true },
    });
    expect(env('prod-gcp-euw1').dataRegions).toContain(p.location);
  });

  it("keeps backups in the environment's own region when it has no DR target", () => {
    expect(plan('staging-gcp').location).toBe('us-central1');
    expect(plan('dr-gcp-euw4').location).toBe('europe-west4');
    for (const e of envs.values()) expect((plan(e.name).backup_schedule as Block).cron_schedule).toBe(e.backup.cron);
  });

  it('puts cluster and Cloud SQL backups in the same place', () => {
    for (const e of envs.values()) {
      expect(plan(e.name).location).toBe(e.backup.location);
      expect(sqlBackupLocation(e.name)).toBe(e.backup.location);
    }
  });

  it('exports the plan and the location', () => {
    const out = json.get('prod-gcp-euw1')!.output!;
    expect(out.backup_plan_id?.value).toBe('${google_gke_backup_backup_plan.backup_gke-plan_34448339.id}');
    expect(out.backup_location?.value).toBe('europe-west4');
  });

  describe('Cloud SQL backups on the RPO schedule', () => {
    it('keeps the Terraform addresses of the job, its service account and grant', () => {
      // Renaming a construct ID replaces the resource; for the service account that also drops its grant for a while.
      const r = json.get('prod-gcp-euw1')!.resource!;
      expect(Object.keys(r.google_cloud_scheduler_job ?? {})).toEqual(['backup_sql-backup-job_F968453F']);
      expect(Object.keys(r.google_service_account ?? {}).filter((id) => id.startsWith('backup_'))).toEqual([
        'backup_sql-backup-sa_593D0DEC',
      ]);
      expect(Object.keys(r.google_project_iam_member ?? {}).filter((id) => id.startsWith('backup_'))).toEqual([
        'backup_sql-backup-sa-cloudsql-editor_FB57DC45',
      ]);
    });

    it('schedules a backup of the production database every RPO interval, in UTC', () => {
      const e = env('prod-gcp-euw1');
      const [, j] = job(e.name);
      expect(j).toMatchObject({
        name: namer(e.platform, e.name)('gcp.gkeBackupPlan', 'sql-backup'),
        region: 'europe-west1',
        schedule: e.backup.cron,
        time_zone: 'Etc/UTC',
        attempt_deadline: '320s',
        retry_config: { retry_count: 3 },
      });
      // More often than Cloud SQL's daily automated backup: that is the point.
      expect(e.backup.intervalMinutes).toBeLessThan(1440);
      for (const x of envs.values()) expect(job(x.name)[1].schedule).toBe(x.backup.cron);
    });

    it('calls the Cloud SQL Admin API for the database instance, asking for a backup in the DR location', () => {
      const e = env('prod-gcp-euw1');
      const [instanceId] = only(json.get(e.name)!, 'google_sql_database_instance');
      expect(httpTarget(e.name)).toMatchObject({
        http_method: 'POST',
        uri: `https://sqladmin.googleapis.com/v1/projects/${e.gcpProject}/instances/\${google_sql_database_instance.${instanceId}.name}/backupRuns`,
        headers: { 'Content-Type': 'application/json' },
      });
      expect(decodedBody(e.name)).toEqual({ location: 'europe-west4', description: 'parity: scheduled backup for the RPO' });
      expect(e.dataRegions).toContain(decodedBody(e.name).location);
    });

    it('keeps the scheduled backups where the other backups are', () => {
      expect(decodedBody('staging-gcp').location).toBe('us-central1');
      expect(decodedBody('dr-gcp-euw4').location).toBe('europe-west4');
      for (const e of envs.values()) expect(decodedBody(e.name).location).toBe(sqlBackupLocation(e.name));
    });

    it('runs as a service account of its own that may create Cloud SQL backups', () => {
      for (const e of envs.values()) {
        const j = json.get(e.name)!;
        const sas = Object.entries((j.resource?.google_service_account ?? {}) as Record<string, Block>).filter(([id]) =>
          id.startsWith('backup_'),
        );
        expect(sas).toHaveLength(1);
        const [saId, sa] = sas[0]!;
        const accountId = String(sa.account_id);
        expect(accountId).toBe(namer(e.platform, e.name)('gcp.serviceAccount', 'sqlbackup'));
        expect(accountId.length).toBeGreaterThanOrEqual(6);
        expect(accountId.length).toBeLessThanOrEqual(NAME_RULES['gcp.serviceAccount'].max);
        expect(accountId).toMatch(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/);

        expect(httpTarget(e.name).oauth_token).toEqual({
          service_account_email: `\${google_service_account.${saId}.email}`,
          scope: 'https://www.googleapis.com/auth/cloud-platform',
        });
        const grants = Object.entries((j.resource?.google_project_iam_member ?? {}) as Record<string, Block>).filter(
          ([, g]) => g.member === `\${google_service_account.${saId}.member}`,
        );
        expect(grants).toHaveLength(1);
        const [grantId, grant] = grants[0]!;
        expect(grant).toMatchObject({ project: e.gcpProject, role: 'roles/cloudsql.editor' });
        expect(job(e.name)[1].depends_on).toEqual([`google_project_iam_member.${grantId}`]);
      }
    });

    it('exports the job', () => {
      const [id] = job('prod-gcp-euw1');
      expect(json.get('prod-gcp-euw1')!.output!.backup_sql_backup_schedule_id?.value).toBe(`\${google_cloud_scheduler_job.${id}.id}`);
    });
  });

  it('makes no Backup for GKE plan (nor its key) for a stateless cluster, and still takes the scheduled Cloud SQL backups', () => {
    const j = stateless.json.get('prod-gcp-euw1')!;
    expect(j.resource?.['google_gke_backup_backup_plan']).toBeUndefined();
    expect(Object.keys(j.resource?.['google_kms_crypto_key'] ?? {}).filter((k) => k.startsWith('backup_'))).toEqual([]);
    expect(only(j, 'google_cloud_scheduler_job')[1].schedule).toBe(stateless.envs.get('prod-gcp-euw1')!.backup.cron);
    expect(j.output!.backup_plan_id?.value).toBe('');
  });

  it('leaves volume data out when asked', async () => {
    const j = await synthToJson(REPO_ROOT, withParams<BackupParams>(env('staging-gcp'), 'backup', { includeClusterVolumes: false }));
    expect((only(j, 'google_gke_backup_backup_plan')[1].backup_config as Block).include_volume_data).toBe(false);
  });

  it('fails when retention needs more than 360 backups at the schedule', async () => {
    // A backup every 180 minutes: 360 backups cover 45 days.
    expect(env('staging-gcp').backup.intervalMinutes).toBe(180);
    await expect(
      synthToJson(REPO_ROOT, withParams<BackupParams>(env('staging-gcp'), 'backup', { retentionDays: 45 })),
    ).resolves.toBeDefined();
    await expect(synthToJson(REPO_ROOT, withParams<BackupParams>(env('staging-gcp'), 'backup', { retentionDays: 46 }))).rejects.toThrow(
      /lower retentionDays to 45 or less/,
    );
  });

  it('fails when retention exceeds 360 daily backups', async () => {
    const e = env('staging-gcp');
    const daily = { ...e, backup: { ...e.backup, intervalMinutes: 1440, cron: '0 3 * * *' } };
    await expect(synthToJson(REPO_ROOT, withParams<BackupParams>(daily, 'backup', { retentionDays: 360 }))).resolves.toBeDefined();
    await expect(synthToJson(REPO_ROOT, withParams<BackupParams>(daily, 'backup', { retentionDays: 366 }))).rejects.toThrow(
      /lower retentionDays to 360 or less/,
    );
  });

  it('fails when the backup location is outside the jurisdiction', async () => {
    // Only the backup bundle's own check: drop the database, which refuses the same location first.
    const e = env('prod-gcp-euw1');
    const outside = { ...e, backup: { ...e.backup, location: 'us-east1' }, bundles: e.bundles.filter((b) => b.name !== 'database') };
    await expect(synthToJson(REPO_ROOT, outside)).rejects.toThrow(
      /backup: backup location us-east1 of prod-gcp-euw1 is outside its jurisdiction EU/,
    );
  });
});
