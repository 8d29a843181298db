// The TypeScript client generated from openapi/openapi.json (openapi-typescript types and
// openapi-fetch), used against flux-web on the test bed. e2e/clients/run starts the servers
// and the objects and passes them in the environment.
import { test } from "node:test";
import assert from "node:assert/strict";
import createClient from "openapi-fetch";
import type { paths } from "./generated/schema.js";

function env(name: string): string {
  const value = process.env[name];
  assert.ok(value, `${name} is set by e2e/clients/run`);
  return value;
}

const namespace = env("FLUX_WEB_CLIENT_NAMESPACE");
const object = {
  group: "kustomize.toolkit.fluxcd.io",
  kind: "kustomizations",
  namespace,
  name: "apps",
};
const admin = createClient<paths>({ baseUrl: env("FLUX_WEB_ADMIN_URL") });
const user = createClient<paths>({ baseUrl: env("FLUX_WEB_USER_URL") });

test("lists the actions of a Kustomization", async () => {
  const { data, error } = await admin.GET("/api/v1/{group}/{kind}/{namespace}/{name}/actions", {
    params: { path: object },
  });
  assert.equal(error, undefined);
  const reconcile = data?.actions.find((a) => a.action === "reconcile");
  assert.equal(reconcile?.allowed, true);
  assert.equal(data?.target.kind, "Kustomization");
});

test("reconciles a Kustomization", async () => {
  const { data, error, response } = await admin.POST("/api/v1/{group}/{kind}/{namespace}/{name}/actions/{action}", {
    params: { path: { ...object, action: "reconcile" } },
  });
  assert.equal(response.status, 200, JSON.stringify(error));
  assert.equal(data?.changed, true);
  assert.match(data?.requestedAt ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
});

test("reads the problem of a 403", async () => {
  const { data, error, response } = await user.POST("/api/v1/{group}/{kind}/{namespace}/{name}/actions/{action}", {
    params: { path: { ...object, action: "reconcile" } },
  });
  assert.equal(data, undefined);
  assert.equal(response.status, 403);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  assert.equal(error?.code, "forbidden");
  assert.match(error?.detail ?? "", /may not reconcile/);
});

test("suspending or resuming twice answers unchanged with what holds", async () => {
  const act = async (action: string, body: { reason?: string } = {}) => {
    const { data, error, response } = await admin.POST("/api/v1/{group}/{kind}/{namespace}/{name}/actions/{action}", {
      params: { path: { ...object, action } },
      body,
    });
    assert.equal(response.status, 200, JSON.stringify(error));
    return data;
  };
  assert.equal((await act("suspend", { reason: "window" }))?.changed, true);
  const again = await act("suspend", { reason: "window" });
  assert.equal(again?.changed, false);
  assert.equal(again?.suspension?.reason, "window");
  assert.equal((await act("resume"))?.changed, true);
  assert.equal((await act("resume"))?.changed, false);
});
