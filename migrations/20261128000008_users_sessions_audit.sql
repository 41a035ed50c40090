-- Access control: local users, server-side web sessions, and a richer audit log.

-- Users of the `local` authentication mode. Roles and tenants come from their groups through
-- the configured mappings, exactly as for single sign-on users.
create table app_user (
    user_id             bigserial primary key,
    name                text not null unique,
    password_hash       text not null,
    groups              text[] not null default '{}',
    created_at          timestamptz not null default now(),
    password_changed_at timestamptz not null default now()
);

-- Server-side sessions. The key is the SHA-256 of the cookie's session id, so a copy of this
-- table cannot be replayed as cookies.
create table web_session (
    session_key text primary key,
    data        jsonb not null,
    expires_at  timestamptz not null
);
create index web_session_expires_at_idx on web_session (expires_at);

-- Who did what from where, and for which tenant (reports list a tenant's own events).
alter table audit_event
    add column tenant      text,
    add column source_addr text;
create index audit_event_failed_login_idx on audit_event (source_addr, at) where action = 'login.failed';
