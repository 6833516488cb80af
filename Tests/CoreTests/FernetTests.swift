import CryptoExtras
import Foundation
import TestSupport
import Testing

@testable import Core

@Suite("Fernet")
struct FernetTests {
    // The published vectors of https://github.com/fernet/spec (generate.json, verify.json, invalid.json).
    static let secret = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="
    static let specToken = "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA=="
    static let specTime = Date(timeIntervalSince1970: 499_162_800)  // 1985-10-26T01:20:00-07:00

    @Test func generatesTheSpecToken() throws {
        let fernet = try Fernet(keys: [Self.secret])
        let token = try fernet.encrypt(Array("hello".utf8), now: Self.specTime, iv: AES._CBC.IV(ivBytes: Array(0..<16)))
        #expect(token == Self.specToken)
    }

    @Test func verifiesTheSpecToken() throws {
        let fernet = try Fernet(keys: [Self.secret])
        let plaintext = try fernet.decrypt(Self.specToken, ttl: 60, now: Self.specTime.addingTimeInterval(1))
        #expect(String(decoding: plaintext, as: UTF8.self) == "hello")
    }

    @Test(arguments: [
        ("incorrect mac", "rn9hs9yS0GVWjk4hH822VIwQUWz-_WZWCLzsD7SgV2IAAAAAHcCesAABAgMEBQYHCAkKCwwNDg8tNtXKRlVimf3hMAhjOASy", 1.0),
        ("too short", "91GVdgz7jmWR6vJiViEA4u-LhVMhCSr87INSeFwwkYAAAAAAHcCesAABAgMEBQYHCAkKCw==", 1.0),
        ("invalid base64", "%%%%%%%%%%%j-ztUarjDIfllJBmLiBMjfcmZesHVIhcAAAAAHcCesAABAgMEBQYHCAkKCwwNDg8tNtXKRlVimf3hMAhjOASy", 1.0),
        ("payload size", "r-pDJRzyfnW4rYfh-gZek3qA3lnFG8fGaf0qgmZlPL8AAAAAHcCesAABAgMEBQYHCAkKCwwNDg8tNtXKRlVimf3hMAhjOAQ=", 1.0),
        ("padding", "ApoqRxzlU8Z9-mPSV6ufXeIgKugRjI_-ugnnqqoCTjQAAAAAHcCesAABAgMEBQYHCAkKCwwNDg91rx5fbHkRnpZBxpOuEAjd", 1.0),
        ("far-future", "M0oOEQn9ZTWz212mKeX0qRyi7-wYxJFfsmDMhRazEeAAAAAAVigfvAABAgMEBQYHCAkKCwwNDg8tNtXKRlVimf3hMAhjOASy", 1.0),
        ("expired TTL", "2woUxqnnpRAj-ztUarjDIfllJBmLiBMjfcmZesHVIhcAAAAAHcCesAABAgMEBQYHCAkKCwwNDg8tNtXKRlVimf3hMAhjOASy", 61.0),
        ("incorrect IV", "fe5sCHPyF13H837yvtc65xAlWfXXP3fEUX_jMiB74EwAAAAAHcCesHV0d3ZxcHNyfXx_fnl4e3otNtXKRlVimf3hMAhjOASy", 1.0),
    ])
    func rejectsTheSpecsInvalidTokens(description: String, token: String, secondsAfter: Double) throws {
        let fernet = try Fernet(keys: [Self.secret])
        #expect(throws: FernetError.invalidToken, "\(description)") {
            try fernet.decrypt(token, ttl: 60, now: Self.specTime.addingTimeInterval(secondsAfter))
        }
    }

    @Test func rotatesKeysWithoutDowntime() throws {
        let old = try Fernet(keys: [Self.secret])
        let newKey = Base64URL.encode((0..<32).map { UInt8($0 * 7 % 256) })
        let rotated = try Fernet(keys: [newKey, Self.secret])
        let legacy = try old.encrypt(Array("ghp_secret".utf8))
        #expect(String(decoding: try rotated.decrypt(legacy), as: UTF8.self) == "ghp_secret")
        #expect(!rotated.isCurrent(legacy))
        let current = try rotated.rotate(legacy)
        #expect(rotated.isCurrent(current))
        #expect(throws: FernetError.invalidToken) { try old.decrypt(current) }
        #expect(throws: FernetError.invalidKey) { try Fernet(keys: ["short"]) }
    }

    /// Byte compatibility both ways with Python's `cryptography` (installed by the test command).
    @Test func interoperatesWithPythonCryptography() async throws {
        let key = Base64URL.encode((0..<32).map { _ in UInt8.random(in: 0...255) })
        let fernet = try Fernet(keys: [key])
        let fromSwift = try fernet.encrypt(Array("from swift ✓".utf8))
        let script = """
            import sys
            from cryptography.fernet import Fernet
            f = Fernet(sys.argv[1].encode())
            assert f.decrypt(sys.argv[2].encode()).decode() == "from swift ✓"
            print(f.encrypt("from python ✓".encode()).decode())
            """
        let result = try await ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/python3"),
            arguments: ["-c", script, key, fromSwift],
            environment: ["PYTHONIOENCODING": "utf-8"]
        )
        #expect(result.status == 0, "\(result.stderr)")
        let fromPython = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(String(decoding: try fernet.decrypt(fromPython), as: UTF8.self) == "from python ✓")
    }
}
