// The static page's entry point: render the Explorer from state.json next to index.html; a failure
// is shown on the page as a sentence, not only in the console.
import { start } from "./host.js";

const el = document.getElementById("explorer");
start(el, new URL("state.json", document.baseURI).href).catch((error) => {
  const message = document.createElement("p");
  message.className = "explorer-error";
  message.textContent = `The Explorer could not start: ${error.message || error}`;
  el.replaceChildren(message);
});
