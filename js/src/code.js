// The `inductiva_widgets.storage` call equivalent to each action ("Show code").

const py = (value) => (value === null || value === undefined ? "None"
  : typeof value === "boolean" ? (value ? "True" : "False")
    : typeof value === "number" ? String(value) : JSON.stringify(String(value)));

const header = "import inductiva_widgets.storage as storage\n";

export function downloadCode(paths, folder, decompress) {
  return header + paths.map((p) => `storage.download(${py(p)}, ${py(folder)}, decompress=${py(decompress)})`).join("\n");
}

export function uploadCode(localPath, folder) {
  return `${header}storage.upload(${py(localPath)}, ${py(folder)})`;
}

export function uploadFromUrlCode(url, folder, name) {
  return `${header}storage.upload_from_url(${py(url)}, ${py(folder)}${name ? `, file_name=${py(name)}` : ""})`;
}

export function exportCode(path, bucket, fileName, partSize) {
  return `${header}operation = storage.export(${py(path)}, storage.ExportDestination.AWS_S3, ${py(bucket)}` +
    `${fileName ? `, file_name=${py(fileName)}` : ""}, part_size=${py(partSize)})\noperation.wait()`;
}

export function deleteCode(paths) {
  return header + paths.map((p) => `storage.remove(${py(p)})`).join("\n");
}

export function copyCode(paths, target) {
  return header + paths.map((p) => `storage.copy(${py(p)}, ${py(`${target.replace(/\/$/, "")}/${p.split("/").pop()}`)})`).join("\n");
}
