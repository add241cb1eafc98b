package io.herald.client;

/**
 * A page as an application would write one: import the client, subscribe to one channel, render
 * each event as a list item (its id as text, the {@code n} of its data as {@code data-n}). Query:
 * {@code channel}, {@code transport} (any number; all three by default), {@code token} (given
 * out one after the other by getToken, as a backend would mint each), {@code shared=1}.
 */
final class TestPage {
  static final String HTML =
      """
      <!doctype html>
      <meta charset="utf-8">
      <title>herald.js under test</title>
      <p>state <b id="state">-</b> over <b id="transport">-</b></p>
      <p id="error"></p>
      <ol id="events"></ol>
      <script type="module">
        import { connect } from "../herald.js";
        const q = new URLSearchParams(location.search);
        const tokens = q.getAll("token");
        let next = 0;
        const herald = connect({
          url: new URL("..", location.href).href,
          getToken: () => tokens[Math.min(next++, tokens.length - 1)],
          transports: q.getAll("transport").length ? q.getAll("transport") : undefined,
          shared: q.get("shared") === "1",
          minDelayMs: 100,
          maxDelayMs: 2000,
        });
        window.herald = herald;
        herald.on("error", (e) => (document.getElementById("error").textContent += `${e.code || ""} ${e.message}; `));
        herald.on("state", (s) => {
          document.getElementById("state").textContent = s;
          document.getElementById("transport").textContent = herald.getStats().transport;
        });
        herald.subscribe(q.get("channel"), {
          onEvent: (e) => {
            const li = document.createElement("li");
            li.textContent = e.id;
            li.dataset.n = e.data && e.data.n;
            document.getElementById("events").append(li);
          },
        });
      </script>
      """;

  private TestPage() {}
}
