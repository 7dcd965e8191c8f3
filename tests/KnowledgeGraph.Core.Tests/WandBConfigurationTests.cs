using KnowledgeGraph.WandB;
using Xunit;

namespace KnowledgeGraph.Tests;

/// <summary>Where the W&amp;B key comes from (as W&amp;B's own tools read it), and that it is never shown.</summary>
public class WandBConfigurationTests
{
    [Fact]
    public void The_key_of_the_servers_machine_is_read_from_netrc()
    {
        const string netrc = "machine github.com login x password gh\n\nmachine api.wandb.ai\n  login user\n  password abc123\ndefault login d password fallback\n";
        Assert.Equal("abc123", WandBApiKey.NetrcPassword(netrc, "api.wandb.ai"));
        Assert.Equal("fallback", WandBApiKey.NetrcPassword(netrc, "wandb.example.org"));
        Assert.Null(WandBApiKey.NetrcPassword("machine a login b password c", "api.wandb.ai"));
    }

    [Fact]
    public void A_key_never_shows_its_value()
    {
        var key = WandBApiKey.Of("0123456789abcdef0123456789abcdef01234567", "$env:WANDB_API_KEY");
        Assert.Equal("a W&B API key from $env:WANDB_API_KEY", key.ToString());
        Assert.DoesNotContain("0123456789", $"{key}");
    }

    [Theory]
    [InlineData("ftp://api.wandb.ai")]
    [InlineData("https://user:secret@api.wandb.ai")]
    [InlineData("https://api.wandb.ai/?key=abc")]
    public void Server_urls_without_http_or_with_credentials_are_refused(string url)
    {
        var e = Assert.Throws<KgException>(() => WandBConfiguration.CheckBaseUrl(url, "-WandBBaseUrl"));
        Assert.Equal("InvalidWandBBaseUrl", e.ErrorId);
        Assert.DoesNotContain("secret", e.Message);
    }

    [Theory]
    [InlineData(null, Registry.RegistryKind.Store)]
    [InlineData("store", Registry.RegistryKind.Store)]
    [InlineData("WandB", Registry.RegistryKind.WandB)]
    public void Registry_kinds_parse(string? value, Registry.RegistryKind kind) => Assert.Equal(kind, WandBConfiguration.ParseRegistry(value, "test"));
}
