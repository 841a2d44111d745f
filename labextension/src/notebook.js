// "Open in a notebook": code from the panel becomes a new cell of the active notebook (or of
// a new one when none is open), below the active cell, and the notebook is brought forward.

/** The folder of the notebook code would go into, or null when none is open. */
export function notebookFolder(tracker) {
  const path = tracker?.currentWidget?.context.localPath;
  if (path === undefined) return null;
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

/**
 * Insert `code` as a code cell into the active notebook; returns that notebook panel.
 * @param {import("@jupyterlab/application").JupyterFrontEnd} app
 * @param {import("@jupyterlab/notebook").INotebookTracker | null} tracker
 * @param {string} code
 * @param {string} folder  where a new notebook is created when none is open
 */
export async function insertIntoNotebook(app, tracker, code, folder) {
  if (typeof code !== "string" || !code.trim()) throw new Error("there is no code to insert");
  let panel = tracker?.currentWidget ?? null;
  if (!panel) {
    // The default kernel, named: without a name JupyterLab asks which one in a dialog.
    const specs = app.serviceManager.kernelspecs;
    await specs.ready;
    panel = await app.commands.execute("notebook:create-new", { cwd: folder, kernelName: specs.specs?.default });
    if (!panel?.context) throw new Error("no notebook is open and a new one could not be created");
  }
  await panel.context.ready;
  const notebook = panel.content;
  const model = notebook.model.sharedModel;
  const active = notebook.activeCell;
  const reuse = notebook.widgets.length === 1 && active?.model.type === "code" && !active.model.sharedModel.getSource().trim();
  const index = reuse ? 0 : (active ? notebook.activeCellIndex + 1 : notebook.widgets.length);
  if (reuse) {
    active.model.sharedModel.setSource(code);
  } else {
    // Code the user asked for in this very notebook: trusted, as a cell they typed.
    model.insertCell(index, { cell_type: "code", source: code, metadata: { trusted: true } });
  }
  notebook.activeCellIndex = index;
  notebook.deselectAll();
  app.shell.activateById(panel.id);
  return panel;
}
