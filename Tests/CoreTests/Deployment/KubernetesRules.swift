/// The fields each kind of object in `deploy/kubernetes` must have for the API server (or KEDA) to
/// accept it, checked without a cluster. Each rule returns the problems it found, as sentences
/// naming the object, so a failing check says what to fix.
enum KubernetesRules {
    typealias Object = DeployTree.Object

    static func problems(in object: Object) -> [String] {
        guard let kind = object["kind"] as? String else { return ["an object has no kind"] }
        let name = object.string(at: "metadata.name") ?? "?"
        var missing: [String] = []
        func require(_ path: String) {
            if object.value(at: path) == nil { missing.append(path) }
        }
        func requireNonEmptyList(_ path: String) {
            if (object.list(at: path) ?? []).isEmpty { missing.append(path) }
        }
        if kind != "Kustomization" {
            require("apiVersion")
            require("metadata.name")
        }
        var extra: [String] = []
        switch kind {
        case "Deployment", "StatefulSet":
            if kind == "StatefulSet" { require("spec.serviceName") }
            require("spec.selector.matchLabels")
            require("spec.template.metadata.labels")
            extra += podProblems(object.object(at: "spec.template.spec"))
            extra += selectorProblems(
                object.object(at: "spec.selector.matchLabels"),
                labels: object.object(at: "spec.template.metadata.labels")
            )
        case "Job":
            extra += podProblems(object.object(at: "spec.template.spec"))
            if !["Never", "OnFailure"].contains(object.string(at: "spec.template.spec.restartPolicy") ?? "") {
                extra.append("spec.template.spec.restartPolicy must be Never or OnFailure")
            }
        case "Service":
            require("spec.selector")
            requireNonEmptyList("spec.ports")
            for port in object.list(at: "spec.ports") ?? [] where (port as? Object)?["port"] as? Int == nil {
                extra.append("every spec.ports entry needs a numeric port")
            }
        case "Ingress":
            requireNonEmptyList("spec.rules")
            for rule in object.list(at: "spec.rules") ?? [] {
                for path in (rule as? Object)?.list(at: "http.paths") ?? [] {
                    let path = path as? Object ?? [:]
                    if path.string(at: "backend.service.name") == nil || path.value(at: "backend.service.port") == nil {
                        extra.append("every path needs backend.service.name and .port")
                    }
                    if path["pathType"] == nil { extra.append("every path needs a pathType") }
                }
            }
        case "ConfigMap", "Secret":
            let data = object.object(at: "data") ?? object.object(at: "stringData") ?? [:]
            if data.isEmpty { missing.append("data or stringData") }
            // The API server rejects numbers and booleans here: "8000" must be quoted.
            for (key, value) in data where !(value is String) {
                extra.append("\(key) must be a string (quote it)")
            }
        case "HorizontalPodAutoscaler":
            require("spec.scaleTargetRef.kind")
            require("spec.scaleTargetRef.name")
            require("spec.maxReplicas")
        case "PodDisruptionBudget":
            require("spec.selector")
            if object.value(at: "spec.minAvailable") == nil && object.value(at: "spec.maxUnavailable") == nil {
                extra.append("needs spec.minAvailable or spec.maxUnavailable")
            }
        case "ScaledObject":
            require("spec.scaleTargetRef.name")
            requireNonEmptyList("spec.triggers")
            for trigger in object.list(at: "spec.triggers") ?? [] {
                let trigger = trigger as? Object ?? [:]
                if trigger["type"] == nil || trigger["metadata"] == nil { extra.append("every trigger needs type and metadata") }
                for (key, value) in trigger.object(at: "metadata") ?? [:] where !(value is String) {
                    extra.append("trigger metadata \(key) must be a string (quote it)")
                }
            }
        case "TriggerAuthentication":
            requireNonEmptyList("spec.secretTargetRef")
        case "Kustomization":
            requireNonEmptyList("resources")
        default:
            extra.append("kind \(kind) has no rule in the deployment check; add one")
        }
        return (missing.map { "missing \($0)" } + extra).map { "\(kind) \(name): \($0)" }
    }

    private static func podProblems(_ pod: Object?) -> [String] {
        guard let pod else { return ["missing spec.template.spec"] }
        let containers = pod.list(at: "containers") as? [Object] ?? []
        if containers.isEmpty { return ["missing spec.template.spec.containers"] }
        return containers.flatMap { container -> [String] in
            var problems: [String] = []
            if container["name"] == nil { problems.append("a container has no name") }
            if container["image"] == nil { problems.append("a container has no image") }
            for argument in (container.list(at: "command") ?? []) + (container.list(at: "args") ?? []) where !(argument is String) {
                problems.append("container argument \(argument) must be a string (quote it)")
            }
            return problems
        }
    }

    private static func selectorProblems(_ selector: Object?, labels: Object?) -> [String] {
        guard let selector, let labels else { return [] }
        return selector.compactMap { key, value in
            labels[key] as? String == value as? String ? nil : "spec.selector label \(key) is not on the pod template"
        }
    }
}
