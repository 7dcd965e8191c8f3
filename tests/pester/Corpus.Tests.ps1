BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SharedData.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:ExampleCorpus = Join-Path (Split-Path $ModuleManifest) 'examples/corpus/example-corpus.jsonl'
}

Describe 'Learned classifiers trained with a corpus' {
    BeforeAll {
        $script:TestHome = New-KgTestHome
        $script:Trained = Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType PassageClassifier -Device Cpu -MaxEpochs 3 `
            -CorpusPath $ExampleCorpus -Verbose 4>&1
        $script:Result = $Trained | Where-Object { $_ -is [KnowledgeGraph.Training.TrainingResult] }
        $script:Messages = ($Trained | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
    }

    It 'draws negatives from the corpus and says what it read' {
        $Result.Stored | Should -BeTrue
        $Messages | Should -Contain "Corpus: $ExampleCorpus (from -CorpusPath)."
        $Messages -match 'passages read' | Should -Not -BeNullOrEmpty
    }

    It 'records the corpus in the run record and the model card, so the model can be reproduced' {
        $store = (Get-KgEnvironment sandbox).Store
        $manifest = Get-Content (Join-Path $store "models/Q9001/$($Result.ClassifierId)/v0/manifest.json") -Raw | ConvertFrom-Json
        foreach ($name in 'run.json', 'model.json') {
            $sha = ($manifest.files | Where-Object name -eq $name).sha256
            $json = Get-Content (Join-Path $store "blobs/sha256/$($sha.Substring(0, 2))/$sha") -Raw | ConvertFrom-Json
            $json.corpus.paths | Should -Be @($ExampleCorpus)
            $json.corpus.files[0].sha256 | Should -Be (Get-FileHash $ExampleCorpus -Algorithm SHA256).Hash.ToLowerInvariant()
            $json.corpus.passages_read | Should -Be 180
            $json.corpus.possible_mentions | Should -BeGreaterThan 0        # the flood sentences are never negatives
            $json.corpus.negatives_drawn | Should -BeGreaterThan 0
        }
    }

    It 'is another classifier than the same training without a corpus' {
        $plain = Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType PassageClassifier -Device Cpu -MaxEpochs 3 -CorpusPath @()
        $plain.ClassifierId | Should -Not -Be $Result.ClassifierId
    }

    It 'uses the corpus set once for the home folder, or in $env:KG_CORPUS_PATH' {
        Set-KgEnvironment -CorpusPath $ExampleCorpus
        (Get-Content (Join-Path $TestHome 'settings.json') -Raw | ConvertFrom-Json).corpusPaths | Should -Be @($ExampleCorpus)
        $out = Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType PassageClassifier -Device Cpu -MaxEpochs 1 -WhatIf -Verbose 4>&1
        ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Contain "Corpus: $ExampleCorpus (from the settings file ($(Join-Path $TestHome 'settings.json')))."
        Push-Location $TestHome
        try {
            Copy-Item $ExampleCorpus (Join-Path $TestHome 'mine.jsonl')
            $env:KG_CORPUS_PATH = 'mine.jsonl'   # relative: to the current location
            $out = Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType PassageClassifier -WhatIf -Verbose 4>&1
            ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Contain "Corpus: $(Join-Path $TestHome 'mine.jsonl') (from `$env:KG_CORPUS_PATH)."
        }
        finally {
            Pop-Location
            Remove-Item Env:KG_CORPUS_PATH
            Set-KgEnvironment -CorpusPath @()
        }
        (Get-Content (Join-Path $TestHome 'settings.json') -Raw | ConvertFrom-Json).PSObject.Properties.Name | Should -Not -Contain 'corpusPaths'
    }
}

Describe 'Bad corpus input' {
    BeforeAll { $script:TestHome = New-KgTestHome }

    It 'names a corpus path that does not exist, and stores nothing' {
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType SpanTagger -CorpusPath (Join-Path $TestHome 'nope.jsonl') }
        $e.FullyQualifiedErrorId | Should -BeLike 'CorpusNotFound,*'
        $e.Exception.Message | Should -Match 'nope\.jsonl'
        Get-KgClassifier Q9001 -Environment sandbox -AllVersions | Should -BeNullOrEmpty
    }

    It 'refuses a file type it cannot read, naming the types it can' {
        Set-Content (Join-Path $TestHome 'corpus.csv') 'a,b'
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType SpanTagger -CorpusPath (Join-Path $TestHome 'corpus.csv') }
        $e.FullyQualifiedErrorId | Should -BeLike 'UnsupportedCorpusFile,*'
        $e.Exception.Message | Should -Match '\.jsonl.*\.txt'
    }

    It 'refuses an empty corpus and one that is the labelled set itself' {
        Set-Content (Join-Path $TestHome 'empty.txt') ''
        (Get-KgError { Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType SpanTagger -CorpusPath (Join-Path $TestHome 'empty.txt') }).FullyQualifiedErrorId |
            Should -BeLike 'EmptyCorpus,*'
        $labelled = Join-Path $TestHome 'labelled.jsonl'
        (Get-KgConcept Q9001).LabelledPassages | ForEach-Object { @{ text = $_.Text } | ConvertTo-Json -Compress } | Set-Content $labelled
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType SpanTagger -CorpusPath $labelled }
        $e.FullyQualifiedErrorId | Should -BeLike 'CorpusIsLabelledSet,*'
        Get-KgClassifier Q9001 -Environment sandbox -AllVersions | Should -BeNullOrEmpty
    }

    It 'warns about malformed lines, naming the file and line, and trains on the rest' {
        $corpus = Join-Path $TestHome 'messy.jsonl'
        Get-Content $ExampleCorpus | Select-Object -First 100 | Set-Content $corpus
        Add-Content $corpus '{"text": broken'
        $out = Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType PassageClassifier -Device Cpu -MaxEpochs 1 -CorpusPath $corpus 3>&1
        ($out | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }).Message | Should -Match 'messy\.jsonl:101'
        ($out | Where-Object { $_ -is [KnowledgeGraph.Training.TrainingResult] }).Stored | Should -BeTrue
    }

    It 'tells the keyword classifier ignores a corpus' {
        $out = Invoke-KgTraining Q9001 -Environment sandbox -CorpusPath $ExampleCorpus -WhatIf 3>&1
        ($out | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }).Message | Should -Match 'learns nothing from a corpus'
    }

    It 'refuses to set a corpus that does not exist' {
        $e = Get-KgError { Set-KgEnvironment -CorpusPath (Join-Path $TestHome 'missing-folder') }
        $e.FullyQualifiedErrorId | Should -BeLike 'CorpusNotFound,*'
        Test-Path (Join-Path $TestHome 'settings.json') | Should -BeFalse
    }
}

Describe 'Test-KgClassifier on a corpus' {
    BeforeAll {
        $script:TestHome = New-KgTestHome
        $script:Concept = Get-KgConcept Q9001
        $script:Review = Join-Path $TestHome 'review.jsonl'
    }

    It 'adds how much the classifier flags on the corpus' {
        $rows = $Concept | Test-KgClassifier -CorpusPath $ExampleCorpus
        $corpus = $rows | Where-Object Level -eq Corpus
        $corpus.Total | Should -Be 180
        $corpus.Flagged | Should -BeGreaterThan 5
        $corpus.FlagRate | Should -Be ($corpus.Flagged / 180)
        ($rows | Where-Object Level -eq 'Span@0.5').F1 | Should -BeGreaterThan 0
    }

    It 'writes a stratified review sample, and never overwrites one without -Force' {
        $Concept | Test-KgClassifier -CorpusPath $ExampleCorpus -ReviewSamplePath $Review -ReviewSampleSize 30 | Out-Null
        $lines = Get-Content $Review | ConvertFrom-Json
        $lines.Count | Should -Be 30
        ($lines | Where-Object stratum -eq flagged).Count | Should -Be 15
        $lines | ForEach-Object { $_.label | Should -BeNullOrEmpty; $_.corpus_sha256 | Should -Not -BeNullOrEmpty }
        ($lines | Where-Object prediction | Select-Object -First 1).spans.Count | Should -BeGreaterThan 0
        $before = Get-FileHash $Review
        $e = Get-KgError { $Concept | Test-KgClassifier -CorpusPath $ExampleCorpus -ReviewSamplePath $Review }
        $e.FullyQualifiedErrorId | Should -BeLike 'ReviewSampleExists,*'
        (Get-FileHash $Review).Hash | Should -Be $before.Hash
        $Concept | Test-KgClassifier -CorpusPath $ExampleCorpus -ReviewSamplePath (Join-Path $TestHome 'whatif.jsonl') -WhatIf | Out-Null
        Test-Path (Join-Path $TestHome 'whatif.jsonl') | Should -BeFalse
    }

    It 'estimates precision and recall on the corpus from the reviewed sample, with intervals' {
        # The reviewer: a passage mentions flooding when it says flood, inundation or storm surge (not "a flood of").
        $labelled = Get-Content $Review | ConvertFrom-Json | ForEach-Object {
            $_.label = if ($_.text -match '(?i)flash flood|flooding|flood (defences|risk)|flooded|inundation|storm surge') { 1 } else { 0 }
            $_ | ConvertTo-Json -Compress -Depth 5
        }
        $reviewed = Join-Path $TestHome 'reviewed.jsonl'
        $labelled | Set-Content $reviewed
        $row = $Concept | Test-KgClassifier -CorpusPath $ExampleCorpus -ReviewedPath $reviewed | Where-Object Level -eq 'Corpus (reviewed)'
        $row.Reviewed | Should -Be 30
        $row.Precision | Should -BeGreaterThan 0.8
        $row.PrecisionLow | Should -BeLessOrEqual $row.Precision
        $row.PrecisionHigh | Should -BeGreaterOrEqual $row.Precision
        $row.Recall | Should -BeGreaterThan 0
        $row.RecallHigh | Should -BeLessOrEqual 1
        # A reviewed sample is training data too.
        $t = Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType SpanTagger -Device Cpu -MaxEpochs 1 -TrainingDataPath $reviewed -CorpusPath @()
        $t.TrainingPassages | Should -BeGreaterThan 49
    }

    It 'refuses a review file with an unlabelled line or drawn from another corpus' {
        $e = Get-KgError { $Concept | Test-KgClassifier -CorpusPath $ExampleCorpus -ReviewedPath $Review }
        $e.FullyQualifiedErrorId | Should -BeLike 'UnlabelledReviewLine,*'
        $e.Exception.Message | Should -Match 'line 1'
        $other = Join-Path $TestHome 'other.jsonl'
        Get-Content $ExampleCorpus | Select-Object -First 150 | Set-Content $other
        $e = Get-KgError { $Concept | Test-KgClassifier -CorpusPath $other -ReviewedPath (Join-Path $TestHome 'reviewed.jsonl') }
        $e.FullyQualifiedErrorId | Should -BeLike 'ReviewNotFromCorpus,*'
        (Get-KgError { $Concept | Test-KgClassifier -ReviewedPath (Join-Path $TestHome 'reviewed.jsonl') }).FullyQualifiedErrorId | Should -BeLike 'CorpusRequired,*'
    }

    It 'writes a self-contained HTML report with the curve, the threshold and highlighted spans' {
        $report = Join-Path $TestHome 'report.html'
        $Concept | Test-KgClassifier -CorpusPath $ExampleCorpus -ReviewedPath (Join-Path $TestHome 'reviewed.jsonl') -ReportPath $report | Out-Null
        $html = Get-Content $report -Raw
        $html | Should -Match '<svg id="pr-curve"'
        $html | Should -Match '<svg id="flag-rate"'
        $html | Should -Match '<mark title="match">'
        $html | Should -Match 'reviewed corpus passages'
        $html | Should -Not -Match '<script'
        (Get-KgError { $Concept | Test-KgClassifier -CorpusPath $ExampleCorpus -ReportPath $report }).FullyQualifiedErrorId | Should -BeLike 'ReportExists,*'
    }
}
