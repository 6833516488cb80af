/// Django's default validators, as the original service configured them: a minimum length, not
/// entirely numeric, and not similar to the e-mail address.
public enum PasswordPolicy {
    public static let minimumLength = 10
    /// bcrypt itself reads 72 bytes; passwords are pre-hashed, so this only bounds work per request.
    public static let maximumLength = 4096

    /// The problems with `password`, empty when it is acceptable.
    public static func problems(with password: String, email: String) -> [String] {
        var problems: [String] = []
        if password.count < minimumLength {
            problems.append("This password is too short. It must contain at least \(minimumLength) characters.")
        }
        if password.count > maximumLength {
            problems.append("This password is too long.")
        }
        if !password.isEmpty && password.allSatisfy(\.isNumber) {
            problems.append("This password is entirely numeric.")
        }
        let lowered = password.lowercased()
        let address = email.lowercased()
        let localPart = address.split(separator: "@").first.map(String.init) ?? address
        if !lowered.isEmpty
            && (lowered == address || address.contains(lowered) || lowered.contains(address)
                || (localPart.count >= 3 && lowered.contains(localPart)))
        {
            problems.append("The password is too similar to the email address.")
        }
        return problems
    }
}
