using KnowledgeGraph.Concepts;
using Xunit;
using KnowledgeGraph.Argilla;
using KnowledgeGraph.Http;
using KnowledgeGraph.Infrastructure;
using KnowledgeGraph.StandIns;
using KnowledgeGraph.Wikibase;

namespace KnowledgeGraph.Tests;

/// <summary>A stand-in Wikibase (and Argilla) with the module's real client stack in front of it: the infrastructure's
/// retrying handler (short backoff) over a cookie-keeping handler, and a cache in a temporary folder.</summary>
internal sealed class WikibaseTestKit : IDisposable
{
    public static readonly DateTimeOffset T0 = new(2024, 1, 10, 12, 0, 0, TimeSpan.Zero);

    public WikibaseTestKit(bool login = true, string password = "s3cret-pw")
    {
        Server = new WikibaseStandIn();
        if (login)
        {
            Server.BotUser = "Kg@tests";
            Server.BotPassword = "s3cret-pw";
        }
        Config = new WikibaseConfiguration
        {
            Url = Server.Url,
            UrlSource = "the test",
            Username = login ? "Kg@tests" : null,
            Password = () => login ? password : null,
        };
        Cache = Directory.CreateTempSubdirectory("kg-wikibase-").FullName;
    }

    public WikibaseStandIn Server { get; }
    public WikibaseConfiguration Config { get; set; }
    public string Cache { get; }
    public HttpPolicy Policy { get; set; } = new() { BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromSeconds(2), MaxRetries = 3 };
    public List<string> Warnings { get; } = [];
    public List<string> Debug { get; } = [];

    public HttpMessageHandler Handler()
    {
        var handler = new KgInfrastructure().Http.CreateHandler(Policy, line => { lock (Debug) Debug.Add(line); });
        handler.InnerHandler = new SocketsHttpHandler { UseCookies = true, CookieContainer = new System.Net.CookieContainer() };
        return handler;
    }

    public WikibaseConcepts Concepts(ArgillaConfiguration? argilla = null) => new(Config, Handler,
        new FetchLog(d => { lock (Debug) Debug.Add(d); }, null, w => { lock (Warnings) Warnings.Add(w); }), argilla, Cache);

    public Concept Get(string id, ConceptQuery? query = null)
    {
        using var concepts = Concepts();
        return concepts.GetAsync(Identifiers.WikibaseId.Parse(id), query ?? new ConceptQuery(), CancellationToken.None).GetAwaiter().GetResult();
    }

    public KgException Fails(string id, ConceptQuery? query = null) => Assert.Throws<KgException>(() => Get(id, query));

    public void Dispose()
    {
        Server.Dispose();
        try
        {
            Directory.Delete(Cache, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
