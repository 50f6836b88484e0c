// Placeholder app (the frontend helper replaces assets/ wholesale): shows the server's health.
const token = new URLSearchParams(location.hash.slice(1)).get("token");
const headers = token ? { Authorization: `Bearer ${token}` } : {};
fetch("/api/health", { headers })
  .then((r) => r.json())
  .then((h) => { document.getElementById("status").textContent = `fleetplan ${h.version}`; })
  .catch((e) => { document.getElementById("status").textContent = `error: ${e}`; });
