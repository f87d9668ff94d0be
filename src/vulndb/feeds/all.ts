/** Every feed importer `db update` and `db import` use, in import order. Owned by the lead. */
import type { FeedImporter } from "./feed.js";

export const FEEDS: readonly FeedImporter[] = [];
