// Plugins page: the trainers and metrics the server has, where each comes from, and installing a jar.

import { api } from "../api.js";
import { el, failure, notice, dropTarget, toast, fill } from "../dom.js";

export function mount(host) {
  const list = el("div", { class: "plugin-list", "data-testid": "plugin-list" }, el("p", { class: "muted" }, "Loading…"));
  const input = el("input", { type: "file", accept: ".jar,application/java-archive", id: "plugin-input", class: "visually-hidden", "data-testid": "plugin-install-input" });
  const message = el("div", { class: "form-errors", "data-testid": "plugin-message" });
  const zone = el("div", { class: "dropzone small" },
    el("p", { class: "dropzone-title" }, "Install a plugin jar"),
    el("p", { class: "muted" }, "Metric or trainer plugins built against the ConceptRank SPI. Each jar gets its own class loader; a failing plugin is disabled, never takes the server down."),
    el("label", { for: "plugin-input", class: "btn primary", tabindex: "0", role: "button", "data-testid": "plugin-install" }, "Choose .jar"),
    input);

  host.append(
    el("header", { class: "page-head" }, el("h1", {}, "Plugins"),
      el("p", { class: "muted" }, "Trainers and metrics. The built-in ones use the same SPI as external jars in the plugins/ folder.")),
    el("div", { class: "panel" }, zone, message),
    list);

  async function load() {
    try {
      render(await api.plugins());
    } catch (error) {
      fill(list, failure(error, "The plugin list"));
    }
  }

  function render(plugins) {
    if (!plugins.length) {
      fill(list, el("p", { class: "muted" }, "No plugins installed."));
      return;
    }
    const groups = [["trainer", "Trainers"], ["metric", "Metrics"]];
    const other = plugins.filter((p) => !groups.some(([kind]) => kind === p.kind));
    fill(list, ...groups.map(([kind, title]) => [kind, title, plugins.filter((p) => p.kind === kind)])
      .concat(other.length ? [["other", "Other", other]] : [])
      .filter(([, , items]) => items.length)
      .map(([kind, title, items]) => el("section", { class: "plugin-group" },
        el("h2", {}, title, el("span", { class: "count" }, String(items.length))),
        el("div", { class: "plugin-cards" }, items.map((p) => el("article", { class: `plugin-card${p.enabled === false ? " disabled" : ""}`, "data-testid": "plugin-card", "data-plugin": p.id },
          el("div", { class: "plugin-title" },
            el("span", { class: `kind ${kind}` }, p.kind || "?"),
            el("h3", {}, p.name || p.id),
            el("span", { class: "spacer" }),
            el("span", { class: `chip ${p.enabled === false ? "bad" : "ok"}` }, p.enabled === false ? "disabled" : "enabled")),
          el("code", { class: "muted small" }, p.id),
          p.description ? el("p", {}, p.description) : null,
          el("p", { class: "muted small" }, p.source === "jar" ? `from ${p.jar || "a jar"}` : "built in"),
          p.error ? notice("error", p.error) : null))))));
  }

  async function install(file) {
    if (!file) return;
    if (!file.name.toLowerCase().endsWith(".jar")) {
      fill(message, notice("error", `${file.name} is not a .jar file.`));
      return;
    }
    fill(message, el("p", { class: "muted" }, `Installing ${file.name}…`));
    try {
      // The answer lists only what the jar added (or why it is disabled): reload the whole list.
      await api.installPlugin(file);
      message.replaceChildren();
      await load();
      toast(`Installed ${file.name}`, "ok");
    } catch (error) {
      fill(message, failure(error, `Installing ${file.name}`));
    }
  }

  zone.querySelector("label").addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      input.click();
    }
  });
  input.addEventListener("change", () => {
    install(input.files[0]);
    input.value = "";
  });
  dropTarget(zone, (files) => install(files[0]));
  load();
  return { title: "Plugins", cleanup: () => {} };
}
