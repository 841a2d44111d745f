// Files sent from this page straight to the storage, over signed PUT URLs. Python registers
// each one as a transfer and works out its rate and ETA from the progress reported here; the
// transfers panel shows them like any other transfer. An upload outlives the view that
// started it (as a kernel-side one does), so its request is not tied to the view's scope.

const REPORT_EVERY_MS = 250; // Python publishes at most this often anyway

/** @param {{rpc: object}} options */
export function createBrowserUploads({ rpc }) {
  const running = new Map(); // transfer id -> XMLHttpRequest

  function send(file, target) {
    return new Promise((resolve) => {
      const id = target.transfer;
      const xhr = new XMLHttpRequest();
      running.set(id, xhr);
      let reported = 0;
      xhr.upload.onprogress = (e) => {
        const now = performance.now();
        if (now - reported < REPORT_EVERY_MS) return;
        reported = now;
        rpc.notify("browser_upload_progress", { id, bytes_done: e.loaded });
      };
      const finish = (state, error = null) => {
        running.delete(id);
        rpc.notify("browser_upload_finished", { id, state, error });
        resolve();
      };
      xhr.onload = () => (xhr.status === 200 ? finish("done")
        : finish("failed", `The storage refused ${file.name}: HTTP ${xhr.status} ${xhr.responseText.slice(0, 200)}`));
      xhr.onerror = () => finish("failed", `Network error while uploading ${file.name}`);
      xhr.onabort = () => finish("cancelled");
      xhr.open("PUT", target.url);
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.send(file);
    });
  }

  return {
    /** Upload `files` into the storage folder `folder`; resolves when all have finished. */
    async upload(files, folder) {
      const list = [...files];
      if (!list.length) return;
      const reply = await rpc.call("browser_upload_urls", { folder, names: list.map((f) => f.name),
        sizes: list.map((f) => f.size) });
      await Promise.all(reply.targets.map((target, i) => send(list[i], target)));
    },
    /** Stop the upload of transfer `id` if this page runs it; false if it does not. */
    abort(id) {
      const xhr = running.get(id);
      if (!xhr) return false;
      xhr.abort();
      return true;
    },
    /** Transfers cancelled elsewhere (another view of the queue): stop their requests. */
    sync(transfers) {
      for (const t of transfers) if (t.state === "cancelled" && running.has(t.id)) running.get(t.id).abort();
    },
  };
}
