-- Custom SQL migration file, put your code below! --
-- From here on session_id and reset_token hold SHA-256 digests. Values written before this
-- migration are plaintext secrets: keeping them would leave them readable in a dump, and they
-- could never match a digest anyway. Everyone logs in again; pending resets are asked for again.
UPDATE `users` SET `session_id` = NULL, `reset_token` = NULL;
