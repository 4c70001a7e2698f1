CREATE TABLE `mail_counts` (
	`address_hash` text PRIMARY KEY NOT NULL,
	`window_start` integer NOT NULL,
	`count` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `mail_counts_window_start_idx` ON `mail_counts` (`window_start`);