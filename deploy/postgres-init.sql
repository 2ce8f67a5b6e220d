-- Each service owns its database.
CREATE USER duban WITH PASSWORD 'duban';
CREATE DATABASE duban_registry OWNER duban;
CREATE DATABASE duban_reporting OWNER duban;
