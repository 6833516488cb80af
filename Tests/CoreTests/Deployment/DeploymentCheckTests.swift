import Core
import Foundation
import TestSupport
import Testing

/// The deployment check: what an operator copies out of `deploy/` must parse, carry the fields its
/// platform requires, and set every variable the code reads, so drift fails here and not on a
/// production rollout.
@Suite("Deployment manifests")
struct DeploymentCheckTests {
    let variables = Set(AppConfig.variableNames())

    @Test func everyYAMLFileUnderDeployParses() throws {
        let files = try DeployTree.files(under: ".", extensions: ["yaml", "yml"])
        #expect(files.count >= 10)
        for file in files {
            #expect(try !DeployTree.documents(file).isEmpty, "\(file.path) holds no YAML object")
        }
    }

    @Test func kubernetesObjectsHaveTheFieldsTheirKindRequires() throws {
        let objects = try DeployTree.kubernetesObjects()
        let problems = objects.flatMap { file, object in KubernetesRules.problems(in: object).map { "\(file): \($0)" } }
        #expect(problems == [])
        let kinds = objects.map { $0.object["kind"] as? String ?? "" }
        for kind in [
            "Deployment", "Service", "Ingress", "ConfigMap", "Secret", "Job", "PodDisruptionBudget",
            "HorizontalPodAutoscaler", "ScaledObject", "Kustomization",
        ] {
            #expect(kinds.contains(kind), "no \(kind) in deploy/kubernetes")
        }
        #expect(kinds.filter { $0 == "Deployment" }.count == 2)
        #expect(kinds.filter { $0 == "PodDisruptionBudget" }.count == 2)
    }

    @Test func kubernetesReferencesResolve() throws {
        let objects = try DeployTree.kubernetesObjects().map(\.object)
        func names(_ kind: String) -> Set<String> {
            Set(objects.filter { $0["kind"] as? String == kind }.compactMap { $0.string(at: "metadata.name") })
        }
        for object in objects {
            let pod = object.object(at: "spec.template.spec")
            for container in pod?.list(at: "containers") as? [DeployTree.Object] ?? [] {
                for source in container.list(at: "envFrom") as? [DeployTree.Object] ?? [] {
                    if let name = source.string(at: "configMapRef.name") { #expect(names("ConfigMap").contains(name)) }
                    if let name = source.string(at: "secretRef.name") { #expect(names("Secret").contains(name)) }
                }
            }
            if let target = object.string(at: "spec.scaleTargetRef.name") {
                #expect(names("Deployment").contains(target), "\(target) is not a Deployment")
            }
        }
        let services = objects.filter { $0["kind"] as? String == "Service" }
        let podLabels = objects.filter { ["Deployment", "StatefulSet"].contains($0["kind"] as? String ?? "") }.compactMap {
            $0.object(at: "spec.template.metadata.labels") as? [String: String]
        }
        for service in services {
            let selector = service.object(at: "spec.selector") as? [String: String] ?? [:]
            #expect(podLabels.contains { labels in selector.allSatisfy { labels[$0.key] == $0.value } }, "Service selects no pods")
        }
        for ingress in objects where ingress["kind"] as? String == "Ingress" {
            for rule in ingress.list(at: "spec.rules") as? [DeployTree.Object] ?? [] {
                for path in rule.list(at: "http.paths") as? [DeployTree.Object] ?? [] {
                    #expect(names("Service").contains(path.string(at: "backend.service.name") ?? ""))
                }
            }
        }
        let secretKeys = Set(objects.first { $0["kind"] as? String == "Secret" }?.object(at: "stringData")?.keys ?? [:].keys)
        for authentication in objects where authentication["kind"] as? String == "TriggerAuthentication" {
            for reference in authentication.list(at: "spec.secretTargetRef") as? [DeployTree.Object] ?? [] {
                #expect(secretKeys.contains(reference.string(at: "key") ?? ""))
            }
        }
        let kustomization = objects.first { $0["kind"] as? String == "Kustomization" }
        for resource in kustomization?.list(at: "resources") as? [String] ?? [] {
            let path = DeployTree.deploy.appendingPathComponent("kubernetes/\(resource)").path
            #expect(FileManager.default.fileExists(atPath: path), "kustomization lists missing \(resource)")
        }
    }

    @Test func probesAndStopGracePeriodsAgree() throws {
        let deployments = try DeployTree.kubernetesObjects().map(\.object).filter { $0["kind"] as? String == "Deployment" }
        let api = try #require(deployments.first { $0.string(at: "metadata.name") == "auditmate-api" })
        let apiContainer = try #require((api.list(at: "spec.template.spec.containers") as? [DeployTree.Object])?.first)
        #expect(apiContainer.string(at: "livenessProbe.httpGet.path") == "/healthz")
        #expect(apiContainer.string(at: "readinessProbe.httpGet.path") == "/readyz")

        let worker = try #require(deployments.first { $0.string(at: "metadata.name") == "auditmate-worker" })
        let workerContainer = try #require((worker.list(at: "spec.template.spec.containers") as? [DeployTree.Object])?.first)
        let arguments = workerContainer.list(at: "command") as? [String] ?? []
        let gracePeriod = try #require(Self.gracePeriod(in: arguments))
        let termination = try #require(worker.value(at: "spec.template.spec.terminationGracePeriodSeconds") as? Int)
        // Tasks get the grace period, then go back to their queue: SIGKILL must come after both.
        #expect(termination >= gracePeriod + 10, "terminationGracePeriodSeconds \(termination) vs --grace-period \(gracePeriod)")
        #expect(workerContainer.string(at: "livenessProbe.httpGet.path") == "/healthz")

        let compose = try #require(try DeployTree.documents(DeployTree.deploy.appendingPathComponent("compose.yaml")).first)
        let composeWorker = try #require(compose.object(at: "services.worker"))
        let composeGrace = try #require(Self.gracePeriod(in: composeWorker.list(at: "command") as? [String] ?? []))
        let stop = try #require(composeWorker.string(at: "stop_grace_period"))
        #expect(Int(stop.dropLast()) ?? 0 >= composeGrace + 10, "stop_grace_period \(stop) vs --grace-period \(composeGrace)")

        let unit = try DeployTree.text("deploy/systemd/auditmate-worker@.service")
        let execStart = unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") }.map(String.init) ?? ""
        let unitGrace = try #require(Self.gracePeriod(in: execStart.split(separator: " ").map(String.init)))
        let stopLine = unit.split(separator: "\n").first { $0.hasPrefix("TimeoutStopSec=") } ?? ""
        #expect(Int(stopLine.dropFirst("TimeoutStopSec=".count).dropLast()) ?? 0 >= unitGrace + 10)
    }

    @Test func everyVariableTheCodeReadsIsDocumentedAndSet() throws {
        #expect(variables.contains("DATABASE_URL"))
        #expect(variables.contains("STRIPE_WEBHOOK_SECRET"))
        #expect(variables.count >= 30)

        let documented = try DeployTree.readmeConfigurationNames()
        #expect(variables.subtracting(documented).sorted() == [], "missing from the README's configuration table")
        #expect(documented.subtracting(variables).sorted() == [], "in the README's table but never read")

        let objects = try DeployTree.kubernetesObjects().map(\.object)
        let configMap = Set(objects.first { $0["kind"] as? String == "ConfigMap" }?.object(at: "data")?.keys ?? [:].keys)
        let secret = Set(objects.first { $0["kind"] as? String == "Secret" }?.object(at: "stringData")?.keys ?? [:].keys)
        #expect(variables.subtracting(configMap.union(secret)).sorted() == [], "not set in deploy/kubernetes")
        #expect(configMap.subtracting(variables).sorted() == [], "ConfigMap keys the code never reads")
        // KEDA reads the Redis password on its own; everything else in the Secret is for the code.
        #expect(secret.subtracting(variables).sorted() == ["REDIS_PASSWORD"])
        #expect(configMap.isDisjoint(with: secret))

        let compose = try #require(try DeployTree.documents(DeployTree.deploy.appendingPathComponent("compose.yaml")).first)
        let composeNames = Set(compose.object(at: "x-auditmate-environment")?.keys ?? [:].keys)
        #expect(composeNames.symmetricDifference(variables).sorted() == [], "deploy/compose.yaml environment")
        for service in ["migrate", "api", "worker"] {
            #expect(compose.object(at: "services.\(service).environment")?.keys.count == variables.count, "\(service) environment")
        }

        let systemd = try DeployTree.envFileNames("deploy/systemd/auditmate.env.example")
        #expect(systemd.symmetricDifference(variables).sorted() == [], "deploy/systemd/auditmate.env.example")
    }

    @Test func systemdUnitsAreSandboxedAndVerify() async throws {
        let units = try DeployTree.files(under: "systemd", extensions: ["service"])
        #expect(
            units.map(\.lastPathComponent) == [
                "auditmate-api.service", "auditmate-beat.service", "auditmate-migrate.service", "auditmate-worker@.service",
            ]
        )
        let scratch = TestEnvironment.workDirectory.appendingPathComponent("systemd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        var copies: [String] = []
        for unit in units {
            let text = try String(contentsOf: unit, encoding: .utf8)
            for directive in [
                "NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "User=auditmate",
                "EnvironmentFile=/etc/auditmate/auditmate.env",
            ] {
                #expect(text.contains("\n\(directive)\n"), "\(unit.lastPathComponent) lacks \(directive)")
            }
            // verify checks that ExecStart exists, so point it at the binaries just built; a
            // template is verified through one instance.
            let name = unit.lastPathComponent.replacingOccurrences(of: "@.service", with: "@9101.service")
            let copy = scratch.appendingPathComponent(name)
            try text.replacingOccurrences(of: "/opt/auditmate/bin/", with: TestEnvironment.binDirectory.path + "/")
                .write(to: copy, atomically: true, encoding: .utf8)
            copies.append(copy.path)
        }
        let analyzer = URL(fileURLWithPath: "/usr/bin/systemd-analyze")
        guard FileManager.default.isExecutableFile(atPath: analyzer.path) else { return }
        let result = try await ChildProcess.run(
            analyzer,
            arguments: ["verify", "--man=no"] + copies,
            environment: ["PATH": "/usr/bin:/bin"]
        )
        #expect(result.status == 0, "\(result.stderr)")
        // Unknown or misspelt directives are only warnings, on standard error.
        #expect(result.stderr == "")
    }

    /// Redis may never evict queue keys: `noeviction` under a `maxmemory`, wherever one is shipped.
    @Test func shippedRedisHasAMemoryLimitThatNeverEvicts() throws {
        let compose = try #require(try DeployTree.documents(DeployTree.deploy.appendingPathComponent("compose.yaml")).first)
        let composeCommand = (compose.list(at: "services.redis.command") as? [String]) ?? []
        let statefulSet = try #require(
            try DeployTree.kubernetesObjects().map(\.object).first { $0["kind"] as? String == "StatefulSet" }
        )
        let containers = statefulSet.object(at: "spec.template.spec")?.list(at: "containers") as? [DeployTree.Object] ?? []
        let kubernetesCommand = (containers.first?.list(at: "command") as? [String]) ?? []
        for command in [composeCommand, kubernetesCommand] {
            let policy = command.firstIndex(of: "--maxmemory-policy").map { command[$0 + 1] }
            #expect(policy == "noeviction", "\(command)")
            #expect(command.contains("--maxmemory"), "\(command)")
        }
    }

    @Test func dockerfileBuildsStaticallyAndRunsUnprivileged() throws {
        let dockerfile = try DeployTree.text("deploy/docker/Dockerfile")
        let lines = dockerfile.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.filter { $0.hasPrefix("FROM ") }.count == 2)
        #expect(dockerfile.contains("swift build -c release --static-swift-stdlib"))
        #expect(dockerfile.contains("*.resources"), "the executables need their resource bundles")
        let user = try #require(lines.last { $0.hasPrefix("USER ") })
        #expect(!["USER root", "USER 0", "USER 0:0"].contains(user))
        #expect(lines.contains { $0.hasPrefix("HEALTHCHECK ") })
    }

    static func gracePeriod(in arguments: [String]) -> Int? {
        guard let flag = arguments.firstIndex(of: "--grace-period"), flag + 1 < arguments.count else { return nil }
        return Int(arguments[flag + 1])
    }
}
