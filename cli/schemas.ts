// Response shapes fleetctl needs that protocol/ does not name yet: POST /hosts/:id/jobs and
// POST /jobs/:id/cancel both answer `{job}`. Belongs in protocol/jobs.ts; kept here until then.
import { z } from "zod";
import { Job } from "../protocol/index.ts";

export const JobResponse = z.object({ job: Job });
