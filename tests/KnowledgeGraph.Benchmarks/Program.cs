using KnowledgeGraph.Benchmarks;

return args.FirstOrDefault() switch
{
    "keyword" => KeywordThroughput.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: KnowledgeGraph.Benchmarks keyword --data <shared data folder> [--runs N] [--repeat N] [--warmup N]");
    return 2;
}
