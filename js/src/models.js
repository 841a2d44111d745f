// The model of each view, mirroring its Python traits (types only; nothing here runs).
// tests/widgets/test_js_models.py checks these names and types against the widget classes,
// so a trait added in Python without its line here fails the tests.

/**
 * The anywidget model a view receives, typed by its traits T.
 * @template T
 * @typedef {object} Model
 * @property {<K extends keyof T>(name: K) => T[K]} get
 * @property {<K extends keyof T>(name: K, value: T[K]) => void} set
 * @property {() => void} save_changes
 * @property {(event: string, fn: (...args: any[]) => void) => void} on
 * @property {(event: string, fn: (...args: any[]) => void) => void} off
 * @property {(content: object) => void} send
 */

/** @typedef {Model<Record<string, unknown>>} AnyModel */

/**
 * One row of a `transfers` trait (`Transfer.snapshot()` in transfer_manager.py): the view
 * shows these numbers as they are, rate and ETA included.
 * @typedef {object} Transfer
 * @property {string} id
 * @property {"download"|"upload"} kind
 * @property {"kernel"|"browser"} origin  browser: sent by this page straight to the storage
 * @property {string} label
 * @property {string} source
 * @property {string} target
 * @property {"queued"|"running"|"done"|"failed"|"cancelled"} state
 * @property {number} bytes_done
 * @property {number|null} bytes_total
 * @property {number} files_done
 * @property {number} files_total
 * @property {string|null} current_file
 * @property {number} rate       bytes per second over the last seconds
 * @property {number|null} eta_s
 * @property {string|null} error
 * @property {string[]} result
 * @property {number} result_count
 * @property {string|null} code  the equivalent Python call
 * @property {boolean} retryable
 */

/**
 * StorageBrowser traits (inductiva_widgets/widgets/browser.py).
 * @typedef {object} StorageBrowserTraits
 * @property {string} path
 * @property {string} region
 * @property {string[]} regions
 * @property {string[]} selected
 * @property {boolean} folder_sizes
 * @property {number} height
 * @property {number} storage_used
 * @property {number} monthly_cost
 * @property {string} currency
 * @property {string} error
 * @property {number} version
 * @property {Transfer[]} transfers
 * @property {string} last_frame_name
 * @property {string} download_folder
 * @property {string|null} gather_view - "anywidget:<model id>" of the GatherView shown, or null
 * @property {string} gather_title - the gather panel's title
 */

/**
 * ZipExplorer traits (inductiva_widgets/widgets/zip_explorer.py).
 * @typedef {object} ZipExplorerTraits
 * @property {string} path
 * @property {string} region
 * @property {number} height
 * @property {string} selected
 * @property {number|null} archive_size
 * @property {number} member_count
 * @property {number|null} total_size
 * @property {string} implied_prefix
 * @property {string} error
 * @property {number} version
 * @property {string} last_frame_name
 * @property {string} download_folder
 * @property {string|null} gather_view - "anywidget:<model id>" of the GatherView shown, or null
 * @property {string} gather_title - the gather panel's title
 */

/**
 * TransferQueue traits (inductiva_widgets/widgets/transfer_queue.py).
 * @typedef {object} TransferQueueTraits
 * @property {Transfer[]} transfers
 */

/** @typedef {Model<StorageBrowserTraits>} StorageBrowserModel */
/** @typedef {Model<ZipExplorerTraits>} ZipExplorerModel */
/** @typedef {Model<TransferQueueTraits>} TransferQueueModel */

export {};
