-- API tokens for automation: a role and (for tenant leads) tenants, like a user's groups give.
-- Only the SHA-256 of a token is kept; the token itself is shown once, when it is created.
create table api_token (
    token_id      bigserial primary key,
    name          text not null unique,
    token_sha256  text not null unique,
    role          text not null check (role in ('admin', 'security', 'auditor', 'tenant-lead')),
    tenants       text[] not null default '{}',
    created_by    text not null,
    created_at    timestamptz not null default now(),
    revoked_at    timestamptz,
    last_used_at  timestamptz
);
