ALTER TABLE `users` ADD `session_expires_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `session_idle_expires_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `reset_token_expires_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `failed_login_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `login_blocked_until` integer;