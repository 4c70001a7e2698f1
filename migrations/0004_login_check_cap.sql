ALTER TABLE `login_devices` ADD `login_checks_at` integer;--> statement-breakpoint
ALTER TABLE `login_devices` ADD `login_checks` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `login_checks_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `login_checks` integer DEFAULT 0 NOT NULL;