-- Generated compliance reports: the record and the exact bytes, so an auditor re-downloads the
-- same file, with the digests that let anyone check it.
create table report (
    report_id       bigserial primary key,
    created_at      timestamptz not null default now(),
    created_by      text not null,
    title           text not null,
    -- The tenants it covers: who may download it is decided by these.
    tenants         text[] not null,
    frameworks      text[] not null,
    period_from     timestamptz not null,
    period_to       timestamptz not null,
    snapshot_sha256 text not null,
    pdf_sha256      text not null,
    signed          boolean not null,
    -- The configured schedule that made it, for scheduled reports.
    schedule        text,
    pdf             bytea not null
);
create index report_pdf_sha256_idx on report (pdf_sha256);
create index report_schedule_idx on report (schedule, created_at) where schedule is not null;
