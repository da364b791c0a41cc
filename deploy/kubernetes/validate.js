// Validates rendered manifests against the Kubernetes OpenAPI schema with the npm package
// kubernetes-models (run by validate.sh, which installs it into a temp dir). Usage:
//   node validate.js FILE.yaml…      exit 1 naming each invalid document
// With MAPSLA_PODS_OUT=DIR, also writes each Job's pod template as a bare Pod to DIR/NAME.yaml
// (podman kube play runs Pods, not Jobs; MAPSLA_PODS_SECCOMP below). Also refuses what the schema allows but this fleet must not do: a container that keeps
// capabilities it did not list, runs privileged, or has a writable root.
const fs = require("fs");
const yaml = require("js-yaml");
const kinds = {
  ConfigMap: require("kubernetes-models/v1").ConfigMap,
  Pod: require("kubernetes-models/v1").Pod,
  Job: require("kubernetes-models/batch/v1").Job,
  DaemonSet: require("kubernetes-models/apps/v1").DaemonSet,
};
let bad = 0, seen = 0;
function fail(where, why) { console.error(`validate: ${where}: ${why}`); bad++; }
for (const file of process.argv.slice(2)) {
  yaml.loadAll(fs.readFileSync(file, "utf8"), (doc) => {
    if (!doc) return;
    const where = `${file}: ${doc.kind} ${doc.metadata && doc.metadata.name}`;
    seen++;
    const Model = kinds[doc.kind];
    if (!Model) return fail(where, `kind ${doc.kind} is not one this fleet uses`);
    try { new Model(doc).validate(); } catch (e) { return fail(where, e.message); }
    const spec = doc.spec || {};
    const pod = doc.kind === "Pod" ? spec : spec.template && spec.template.spec;
    for (const c of (pod && pod.containers) || []) {
      const sc = c.securityContext || {};
      const drop = (sc.capabilities && sc.capabilities.drop) || [];
      if (!drop.includes("ALL")) fail(where, `container ${c.name} does not drop ALL capabilities`);
      if (sc.privileged) fail(where, `container ${c.name} is privileged`);
      if (!sc.readOnlyRootFilesystem) fail(where, `container ${c.name} has a writable root`);
      if (!c.resources || !c.resources.limits) fail(where, `container ${c.name} has no limits`);
    }
    if (process.env.MAPSLA_PODS_OUT && doc.kind === "Job") {
      const t = doc.spec.template;
      const podDoc = { apiVersion: "v1", kind: "Pod",
        metadata: { name: doc.metadata.name, namespace: doc.metadata.namespace,
                    labels: (t.metadata && t.metadata.labels) || {} }, spec: t.spec };
      // podman has no downward API for spec.nodeName: put in the node the Job selects,
      // which is what the kubelet would fill in.
      const node = t.spec.nodeSelector && t.spec.nodeSelector["kubernetes.io/hostname"];
      for (const c of t.spec.containers)
        for (const e of c.env || [])
          if (e.valueFrom && e.valueFrom.fieldRef && e.valueFrom.fieldRef.fieldPath === "spec.nodeName") {
            delete e.valueFrom;
            e.value = node;
          }
      // podman's RuntimeDefault is its distribution's profile, which wants CAP_SYS_ADMIN for
      // bpf(); MAPSLA_PODS_SECCOMP=NAME.json names a profile under podman kube play's
      // --seccomp-profile-root instead (podman reads the pod annotation, not seccompProfile).
      if (process.env.MAPSLA_PODS_SECCOMP)
        podDoc.metadata.annotations = {
          "seccomp.security.alpha.kubernetes.io/pod": `localhost/${process.env.MAPSLA_PODS_SECCOMP}`,
        };
      new kinds.Pod(podDoc).validate();
      fs.writeFileSync(`${process.env.MAPSLA_PODS_OUT}/${doc.metadata.name}.yaml`, yaml.dump(podDoc));
    }
    console.log(`validate: ${where}: ok`);
  });
}
if (!seen) { console.error("validate: no documents"); process.exit(1); }
process.exit(bad ? 1 : 0);
