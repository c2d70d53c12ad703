// Tells the floor app the page has loaded, as Switchboard's UI does with its first command.
window.addEventListener("DOMContentLoaded", () => window.__TAURI__.core.invoke("ready"));
