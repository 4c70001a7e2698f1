CREATE TABLE `login_devices` (
	`user_id` integer NOT NULL,
	`token_hash` text NOT NULL,
	`failed_login_count` integer DEFAULT 0 NOT NULL,
	`login_blocked_until` integer,
	`last_login_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `token_hash`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
