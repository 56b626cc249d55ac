import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The console's page: plain HTML, a stylesheet and one vanilla script, served as they are (no build step, no framework). */
export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SCIM console</title>
<link rel="stylesheet" href="/console.css">
<script src="/console.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
  <h1>SCIM console</h1>
  <p id="target" class="target"></p>
  <label class="tenant-picker">Tenant
    <select id="tenant"></select>
  </label>
</header>
<nav aria-label="Pages">
  <ul>
    <li><a href="#/connection" data-page="connection">Connection</a></li>
    <li><a href="#/tenants" data-page="tenants">Tenants</a></li>
    <li><a href="#/roles" data-page="roles">Roles and seats</a></li>
    <li><a href="#/users" data-page="users">Users</a></li>
    <li><a href="#/groups" data-page="groups">Groups</a></li>
    <li><a href="#/activity" data-page="activity">Activity</a></li>
  </ul>
</nav>
<main id="main" tabindex="-1"></main>
<div id="status" role="status" aria-live="polite" class="status"></div>
</body>
</html>
`;

export const CONSOLE_CSS = readFileSync(join(__dirname, 'console.css'), 'utf8');
export const CONSOLE_SCRIPT = readFileSync(join(__dirname, 'console-app.js'), 'utf8');
