// JupyterLab extension: the "Inductiva storage" panel in the left sidebar, showing the
// StorageBrowser widget from a Python kernel of its own, with no notebook open.
import { ILayoutRestorer } from "@jupyterlab/application";
import { ICommandPalette } from "@jupyterlab/apputils";
import { IDefaultFileBrowser } from "@jupyterlab/filebrowser";
import { INotebookTracker } from "@jupyterlab/notebook";
import { IRenderMimeRegistry } from "@jupyterlab/rendermime";
import { ISettingRegistry } from "@jupyterlab/settingregistry";
import { storageIcon } from "./icon.js";
import { insertIntoNotebook, notebookFolder } from "./notebook.js";
import { StoragePanel } from "./panel.js";

export const PLUGIN_ID = "inductiva-widgets:plugin";
export const PANEL_ID = "inductiva-storage-panel";
export const COMMANDS = {
  open: "inductiva:open-storage-panel",
  openInNotebook: "inductiva:open-in-notebook",
};

const plugin = {
  id: PLUGIN_ID,
  description: "The Inductiva storage panel in JupyterLab's left sidebar.",
  autoStart: true,
  requires: [IRenderMimeRegistry],
  optional: [ILayoutRestorer, IDefaultFileBrowser, INotebookTracker, ISettingRegistry, ICommandPalette],
  activate: (app, rendermime, restorer, fileBrowser, notebooks, settings, palette) => {
    const fileBrowserFolder = () => app.serviceManager.contents.localPath(fileBrowser?.model.path ?? "");
    app.commands.addCommand(COMMANDS.openInNotebook, {
      label: "Open in a notebook",
      caption: "Insert code (args.code) into the active notebook as a new cell",
      execute: (args) => insertIntoNotebook(app, notebooks, args.code, fileBrowserFolder()),
    });

    const panel = new StoragePanel({ app, rendermime, fileBrowser,
      notebookFolder: () => notebookFolder(notebooks),
      openInNotebook: (code) => app.commands.execute(COMMANDS.openInNotebook, { code }) });
    panel.id = PANEL_ID;
    panel.title.icon = storageIcon;
    panel.title.caption = "Inductiva storage";
    app.shell.add(panel, "left", { rank: 650 });
    restorer?.add(panel, PANEL_ID);

    app.commands.addCommand(COMMANDS.open, {
      label: "Show the Inductiva storage panel",
      icon: storageIcon,
      execute: () => app.shell.activateById(panel.id),
    });
    palette?.addItem({ command: COMMANDS.open, category: "Inductiva" });

    settings?.load(PLUGIN_ID).then(async (loaded) => {
      if (!loaded.get("openOnStart").composite) return;
      await app.restored; // after the saved layout, or it would hide the panel again
      app.shell.activateById(panel.id);
    }).catch((reason) => console.error(`inductiva-widgets: cannot read the settings: ${reason}`));
  },
};

export default plugin;
