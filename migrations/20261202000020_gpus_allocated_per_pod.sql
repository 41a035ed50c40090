-- GPUs a workload holds, summed over its running pods by each pod's own requests: an operator's
-- workload (a RayCluster's GPU-less head and 8-GPU workers) has no one "GPUs per pod".

alter table workload_state add column gpus_allocated double precision not null default 0;

-- Rows written before: every pod of a workload had the same template.
update workload_state set gpus_allocated = gpus_requested * running;
