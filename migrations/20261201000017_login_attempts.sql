-- Sign-in attempts, counted before a password is checked so that concurrent attempts cannot race
-- past the limit. The typed user name is kept only as a digest: a password typed into the name
-- field must not be stored.
create table login_attempt (
    source_addr text not null,
    user_digest text not null,
    at timestamptz not null default now()
);

create index login_attempt_key_idx on login_attempt (source_addr, user_digest, at);
