// The panel's sidebar icon: a cloud over a storage drive. Inline, so nothing is fetched;
// `jp-icon3` makes JupyterLab recolour it with the theme.
import { LabIcon } from "@jupyterlab/ui-components";

const svgstr = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M18.5 8.6A6 6 0 0 0 7.2 7.1 4.6 4.6 0 0 0 7.7 16.3h10.6a3.9 3.9 0 0 0 .2-7.7zM18.3 14.3H7.7a2.6 2.6 0 0 1-.3-5.2l1.2-.1.5-1.1a4 4 0 0 1 7.5 1l.2 1.4 1.5.1a1.9 1.9 0 0 1 0 3.9z"/>
    <path d="M4 18.5h16a1 1 0 0 1 1 1V22a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1v-2.5a1 1 0 0 1 1-1zm13.2 1.4a.85.85 0 1 0 0 1.7.85.85 0 0 0 0-1.7z"/>
  </g>
</svg>`;

export const storageIcon = new LabIcon({ name: "inductiva-widgets:storage", svgstr });
