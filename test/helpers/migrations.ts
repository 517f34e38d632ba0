/** Every migration this build knows, in order: what a fresh database applies (cli, sqlite, postgres and fault tests). */
export const MIGRATIONS = [
  '001_initial',
  '002_nickname_skeleton',
  '003_authorization_requests',
  '004_pkce',
  '005_refresh_reuse',
  '006_device_codes',
  '007_user_rates',
  '008_application_quotas',
  '009_audit_events',
  '010_cleanup',
  '011_secret_reveals',
  '012_doorkeeper_import',
  '013_application_icons',
  '014_application_cache',
  '015_access_token_indexes',
  '016_password_resets',
];

/** What `monban migrate` prints on a fresh database. */
export const APPLIED_ALL = `Applied migrations: ${MIGRATIONS.join(', ')}.\n`;
