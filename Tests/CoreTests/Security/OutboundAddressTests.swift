import Foundation
import Testing

@testable import Core

extension Security {
    /// The outbound guard's address rules, without a network: which hosts a tenant's URL may name.
    @Suite("outbound addresses")
    struct OutboundAddressTests {
        static let production = OutboundPolicy()
        static let development = OutboundPolicy(allowsLoopback: true)

        @Test(arguments: [
            "127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "100.64.0.1", "169.254.169.254", "0.0.0.0", "224.0.0.1",
            "255.255.255.255", "192.0.2.10", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:169.254.169.254",
            "::ffff:10.0.0.1", "::127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1", "2002:0a00:0001::1", "2001:db8::1",
        ])
        func refusedAddresses(_ text: String) throws {
            let address = try #require(IPAddress(text))
            #expect(!Self.production.permits(address, host: text), "\(text) must be refused")
        }

        @Test(arguments: ["140.82.112.6", "8.8.8.8", "2606:4700::1111", "64:ff9b::808:808", "2002:808:808::1"])
        func globalAddresses(_ text: String) throws {
            let address = try #require(IPAddress(text))
            #expect(address.kind == .global)
            #expect(Self.production.permits(address, host: text))
        }

        @Test func loopbackOnlyInDevelopmentAndPrivateOnlyForNamedHosts() throws {
            let loopback = try #require(IPAddress("127.0.0.1"))
            let mappedLoopback = try #require(IPAddress("::ffff:127.0.0.1"))
            let privateAddress = try #require(IPAddress("10.1.2.3"))
            let metadata = try #require(IPAddress("169.254.169.254"))
            #expect(Self.development.permits(loopback, host: "localhost"))
            #expect(Self.development.permits(mappedLoopback, host: "x"))
            #expect(!Self.development.permits(privateAddress, host: "x"), "development allows loopback, not the LAN")
            #expect(!Self.development.permits(metadata, host: "x"))
            let enterprise = OutboundPolicy(privateHosts: ["GitHub.Corp.Example"])
            #expect(enterprise.permits(privateAddress, host: "github.corp.example"))
            #expect(!enterprise.permits(privateAddress, host: "other.example"))
            #expect(!enterprise.permits(metadata, host: "github.corp.example"), "the allow-list opens private ranges, not link-local")
            #expect(!enterprise.permits(loopback, host: "github.corp.example"))
        }

        @Test func legacyIPv4SpellingsDecodeAsResolversRead() {
            #expect(IPAddress.literal("127.1")?.description == "127.0.0.1")
            #expect(IPAddress.literal("2130706433")?.description == "127.0.0.1")
            #expect(IPAddress.literal("0x7f.0.0.1")?.description == "127.0.0.1")
            #expect(IPAddress.literal("0177.0.0.1")?.description == "127.0.0.1")
            #expect(IPAddress.literal("0xa9.254.169.254")?.description == "169.254.169.254")
            #expect(IPAddress.literal("10.1")?.description == "10.0.0.1")
            #expect(IPAddress.literal("[::ffff:169.254.169.254]")?.kind == .reserved)
            #expect(IPAddress.literal("github.example.com") == nil)
            #expect(IPAddress.literal("1.2.3.4.5") == nil)
            #expect(IPAddress.literal("256.1.1.1") == nil)
        }

        @Test(arguments: [
            ("https://127.1/api/v3", OutboundRefusal.unusualAddressSpelling),
            ("https://2130706433/", .unusualAddressSpelling),
            ("https://0x7f.0.0.1/", .unusualAddressSpelling),
            ("https://0177.0.0.1/", .unusualAddressSpelling),
            ("https://0xa9fea9fe/", .unusualAddressSpelling),
            ("https://[::ffff:169.254.169.254]/", .forbiddenAddress),
            ("https://169.254.169.254/latest/meta-data/", .forbiddenAddress),
            ("https://10.0.0.1/api/v3", .forbiddenAddress),
            ("https://[fd00::1]/api/v3", .forbiddenAddress),
            ("https://127.0.0.1:8443/", .forbiddenAddress),
            ("https://localhost/", .forbiddenAddress),
            ("https://api.github.com./", .trailingDot),
            ("https://user:pass@github.example.com/api/v3", .userinfo),
            ("https://@github.example.com/api/v3", .userinfo),
            ("http://github.example.com/api/v3", .plainHTTP),
            ("ftp://github.example.com/", .notHTTP),
            ("https://git_hub.example.com/", .badHost),
        ])
        func productionRefusesHostileURLs(_ url: String, _ refusal: OutboundRefusal) {
            #expect(throws: refusal) { try OutboundURL(checking: url, policy: Self.production) }
        }

        @Test func developmentAllowsLoopbackSpellingsOnly() throws {
            for url in ["http://127.0.0.1:9/", "http://127.1:9/", "http://[::1]:9/", "http://localhost:9/", "http://[::ffff:127.0.0.1]:9/"]
            {
                #expect(throws: Never.self) { try OutboundURL(checking: url, policy: Self.development) }
            }
            #expect(throws: OutboundRefusal.forbiddenAddress) { try OutboundURL(checking: "http://10.0.0.1/", policy: Self.development) }
            #expect(throws: OutboundRefusal.unusualAddressSpelling) {
                try OutboundURL(checking: "https://0x0a.0.0.1/", policy: Self.development)
            }
            #expect(throws: OutboundRefusal.plainHTTP) { try OutboundURL(checking: "http://github.example.com/", policy: Self.development) }
        }

        @Test func theOperatorsOwnOriginIsTrusted() throws {
            let policy = OutboundPolicy(trustedOrigins: [try #require(Origin("http://10.9.9.9:8080/api/v3"))])
            let checked = try OutboundURL(checking: "http://10.9.9.9:8080/api/v3/orgs/acme", policy: policy)
            #expect(checked.origin.port == 8080)
            #expect(throws: OutboundRefusal.forbiddenAddress) { try OutboundURL(checking: "http://10.9.9.9:8081/", policy: policy) }
        }

        @Test func upstreamNumbersAreRangeChecked() {
            #expect(OutsideValue.integer("9223372036854775807") == nil)
            #expect(OutsideValue.integer("9223372036854775808") == nil)
            #expect(OutsideValue.integer("1e308") == nil)
            #expect(OutsideValue.integer(" 42 ") == 42)
            #expect(OutsideValue.integer("-1", in: 0...10) == nil)
            #expect(OutsideValue.epochSeconds("99999999999999") == nil)
            #expect(OutsideValue.epochSeconds("1700000000") == Date(timeIntervalSince1970: 1_700_000_000))
            #expect(OutsideValue.epochMilliseconds(json: 1e308) == nil)
            #expect(OutsideValue.epochSeconds(json: Double.infinity) == nil)
            #expect(GitHubDate.parse(1e308) == nil)
            #expect(GitHubDate.parse("+999999-01-01T00:00:00Z") == nil)
            #expect(GitHubDate.days(from: .distantPast, to: .distantFuture) > 0)
        }
    }
}
