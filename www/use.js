// The "use it in CodeLab / TurboWarp" page: shows the extension's full address for wherever this
// page is served from (npm start, a hosted copy under any path), and copies it.

const url = new URL('dist/scratch-mqtt-extension.js', document.baseURI).href;
const shown = document.getElementById('extension-url');
shown.textContent = url;
document.getElementById('copy-url').addEventListener('click', async (event) => {
  try {
    await navigator.clipboard.writeText(url);
    event.target.textContent = '✔';
  } catch {
    // No clipboard access (an http page, or refused): select the text for Ctrl+C instead.
    getSelection().selectAllChildren(shown);
  }
});
