-- Exceptions for one CVE in one image repository (of rule images.vulnerability), optionally
-- lapsing as soon as a fixed version ships.
alter table exception add column cve text,
                      add column image_repository text,
                      add column until_fixed boolean not null default false;
