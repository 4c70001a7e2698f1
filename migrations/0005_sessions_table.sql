CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`secret_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`idle_expires_at` integer NOT NULL,
	`last_used_at` integer NOT NULL,
	`device` text,
	`country` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sessions_secret_hash_unique` ON `sessions` (`secret_hash`);--> statement-breakpoint
CREATE INDEX `sessions_user_id_last_used_at_idx` ON `sessions` (`user_id`,`last_used_at`);--> statement-breakpoint
CREATE INDEX `sessions_expires_at_idx` ON `sessions` (`expires_at`);--> statement-breakpoint
CREATE INDEX `sessions_idle_expires_at_idx` ON `sessions` (`idle_expires_at`);--> statement-breakpoint
-- Added by hand to the generated migration: every live session moves to the new table with its
-- digest and deadlines before users' session columns go, so people logged in before the upgrade
-- stay logged in. Its public id is new (16 random bytes in hex, the form the service makes);
-- created_at and last_used_at are not known, so they are the time of the upgrade. A Worker
-- released before this migration reads users.session_id: do not roll back past it.
INSERT INTO `sessions` (`id`, `user_id`, `secret_hash`, `created_at`, `expires_at`, `idle_expires_at`, `last_used_at`)
SELECT lower(hex(randomblob(16))), `id`, `session_id`, unixepoch(), `session_expires_at`, `session_idle_expires_at`, unixepoch()
FROM `users`
WHERE `session_id` IS NOT NULL AND `session_expires_at` > unixepoch() AND `session_idle_expires_at` > unixepoch();--> statement-breakpoint
DROP INDEX `users_session_id_idx`;--> statement-breakpoint
CREATE INDEX `users_reset_token_expires_at_idx` ON `users` (`reset_token_expires_at`);--> statement-breakpoint
ALTER TABLE `users` DROP COLUMN `session_id`;--> statement-breakpoint
ALTER TABLE `users` DROP COLUMN `session_expires_at`;--> statement-breakpoint
ALTER TABLE `users` DROP COLUMN `session_idle_expires_at`;--> statement-breakpoint
CREATE INDEX `login_devices_last_login_at_idx` ON `login_devices` (`last_login_at`);