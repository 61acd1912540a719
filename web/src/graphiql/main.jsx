// GraphiQL bundled with React: served from the package, so /graphql works on a network
// with no way out. It opens with creditgraph's example operations (the ones `demo` prints).
import React from "react";
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import "graphiql/graphiql.css";

const examples = JSON.parse(document.getElementById("creditgraph-examples").textContent || "{}");

function fetcher(params, options) {
  const headers = { "Content-Type": "application/json", ...((options && options.headers) || {}) };
  return fetch(window.location.pathname, { method: "POST", headers, body: JSON.stringify(params) })
    .then((r) => r.json());
}

createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: examples.query || "{ viewer { principal role } }",
    defaultHeaders: examples.headers || "",
    shouldPersistHeaders: false,
  }),
);
