using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;

namespace KnowledgeGraph.Infrastructure.S3;

/// <summary>Credentials for an S3 store, with where they came from, in the AWS tools' order: an explicit profile (which
/// must exist: no silent fall-through), <c>AWS_ACCESS_KEY_ID</c>/<c>AWS_SECRET_ACCESS_KEY</c>, the profile named by
/// <c>AWS_PROFILE</c>, the <c>default</c> profile, and finally the SDK's own chain (container and instance roles). SSO and
/// assume-role profiles work because AWSSDK.SSO, SSOOIDC and SecurityToken ship beside AWSSDK.Core.</summary>
internal static class AwsCredentialChain
{
    public static (AWSCredentials Credentials, string Source) Resolve(string? profileName, string? profileOrigin)
    {
        var chain = new CredentialProfileStoreChain();
        if (!string.IsNullOrWhiteSpace(profileName))
        {
            if (chain.TryGetAWSCredentials(profileName, out var fromProfile))
            {
                return (fromProfile, $"profile '{profileName}' ({profileOrigin ?? "configured"})");
            }
            throw new KgException("CredentialsNotFound", KgErrorKind.AuthenticationError,
                $"The AWS profile '{profileName}' ({profileOrigin ?? "configured"}) is not in {ProfileFiles()}. Create it (aws configure --profile {profileName}, or aws configure sso) or set another with Set-KgEnvironment -ProfileName.",
                profileName);
        }
        var key = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
        var secret = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
        if (!string.IsNullOrEmpty(key) && !string.IsNullOrEmpty(secret))
        {
            var token = Environment.GetEnvironmentVariable("AWS_SESSION_TOKEN");
            return (string.IsNullOrEmpty(token) ? new BasicAWSCredentials(key, secret) : new SessionAWSCredentials(key, secret, token),
                "environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
        }
        var envProfile = Environment.GetEnvironmentVariable("AWS_PROFILE");
        if (!string.IsNullOrWhiteSpace(envProfile))
        {
            if (chain.TryGetAWSCredentials(envProfile, out var fromEnvProfile))
            {
                return (fromEnvProfile, $"profile '{envProfile}' ($env:AWS_PROFILE)");
            }
            throw new KgException("CredentialsNotFound", KgErrorKind.AuthenticationError,
                $"$env:AWS_PROFILE names the profile '{envProfile}', which is not in {ProfileFiles()}.", envProfile);
        }
        if (chain.TryGetAWSCredentials("default", out var fromDefault))
        {
            return (fromDefault, "profile 'default'");
        }
        try
        {
            return (DefaultAWSCredentialsIdentityResolver.GetCredentials(), "the AWS SDK's default chain (container or instance role)");
        }
        catch (AmazonClientException e)
        {
            throw new KgException("CredentialsNotFound", KgErrorKind.AuthenticationError,
                $"No AWS credentials were found: no profile is set for this environment (Set-KgEnvironment -ProfileName), AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and AWS_PROFILE are not set, there is no 'default' profile in {ProfileFiles()}, and no container or instance role answered.",
                null, e);
        }
    }

    private static string ProfileFiles() =>
        $"{Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE") ?? "~/.aws/credentials"} or {Environment.GetEnvironmentVariable("AWS_CONFIG_FILE") ?? "~/.aws/config"}";
}
