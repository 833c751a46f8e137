/** A reason the update will not go on; final, unlike the network's failures, which are retried. */
export class UpdateRefused extends Error {}
