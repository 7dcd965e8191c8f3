# The Wikibase concept source and Argilla passages, through the cmdlets, against the in-process stand-ins of
# tests/KnowledgeGraph.StandIns (a MediaWiki Action API + SPARQL, and Argilla's v1 REST API, on 127.0.0.1) that check
# every request. No real Wikibase or Argilla runs here.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $standIns = Get-ChildItem (Join-Path $RepoRoot 'tests/KnowledgeGraph.StandIns/bin') -Recurse -Filter 'KnowledgeGraph.StandIns.dll' -ErrorAction SilentlyContinue |
        Sort-Object LastWriteTime -Descending | Select-Object -First 1
    if (-not $standIns) {
        & dotnet build (Join-Path $RepoRoot 'tests/KnowledgeGraph.StandIns') -c Release --nologo -v q | Out-Null
        $standIns = Get-ChildItem (Join-Path $RepoRoot 'tests/KnowledgeGraph.StandIns/bin') -Recurse -Filter 'KnowledgeGraph.StandIns.dll' | Select-Object -First 1
    }
    Add-Type -Path $standIns.FullName
    $script:T0 = [DateTimeOffset]::new(2024, 1, 10, 12, 0, 0, [TimeSpan]::Zero)
    $script:Password = 'pw-that-must-never-show'
    $script:Variables = 'WIKIBASE_URL', 'WIKIBASE_USERNAME', 'WIKIBASE_PASSWORD', 'ARGILLA_API_URL', 'ARGILLA_API_KEY', 'KG_CONCEPT_SOURCE', 'KG_TEST_HTTP_RETRY_DELAY_MS'

    function New-Wiki {
        $wiki = [KnowledgeGraph.StandIns.WikibaseStandIn]::new()
        $wiki.BotUser = 'Kg@tests'
        $wiki.BotPassword = $script:Password
        $E = [KnowledgeGraph.StandIns.EntityJson]
        $script:Rev1 = $wiki.AddRevision($E::Item('Q1').Label('fossil fuels').Aliases('en', [string[]]@('fossil fuel')).Description('Coal, oil and gas.').ItemClaim('P1', 'Q2').StringClaim('P9', 'renewable energy').StringClaim('P9', 'kerogen'), 'Q1', $T0)
        $null = $wiki.AddRevision($E::Item('Q2').Label('oil').Aliases('en', [string[]]@('petroleum')).ItemClaim('P1', 'Q3').StringClaim('P9', 'olive oil'), 'Q2', $T0)
        $null = $wiki.AddRevision($E::Item('Q3').Label('oil shale').ItemClaim('P1', 'Q4'), 'Q3', $T0)
        $null = $wiki.AddRevision($E::Item('Q4').Label('kerogen').Aliases('en-gb', [string[]]@('kerogen rock')).ItemClaim('P1', 'Q2'), 'Q4', $T0)
        $script:Old10 = $wiki.AddRevision($E::Item('Q10').Label('forestry'), 'Q10', $T0)
        $script:New10 = $wiki.AddRevision($E::Item('Q10').Label('forestry sector').Aliases('en', [string[]]@('timber', 'logging')), 'Q10', $T0.AddMonths(4))
        $null = $wiki.AddRevision($E::Item('Q15').Label('merged'), 'Q15', $T0)
        $null = $wiki.Redirect('Q15', 'Q10', $T0.AddMonths(5))
        $wiki
    }

    function Use-Wiki($wiki) {
        $env:WIKIBASE_URL = $wiki.Url
        $env:WIKIBASE_USERNAME = 'Kg@tests'
        $env:WIKIBASE_PASSWORD = $script:Password
        $env:KG_TEST_HTTP_RETRY_DELAY_MS = '10'
    }
}

Describe 'Concepts from a Wikibase' {
    BeforeEach {
        $script:TestHome = New-KgTestHome
        $script:Wiki = New-Wiki
        Use-Wiki $Wiki
    }
    AfterEach {
        $Wiki.Dispose()
        foreach ($v in $Variables) { Remove-Item "Env:$v" -ErrorAction SilentlyContinue }
    }

    It 'reads a concept at its latest revision, at a revision, or as it was at a time' {
        $latest = Get-KgConcept Q10 -Source Wikibase
        $latest.PreferredLabel | Should -Be 'forestry sector'
        $latest.WikibaseRevision | Should -Be $New10
        $old = Get-KgConcept Q10 -Source Wikibase -Revision $Old10
        $old.PreferredLabel | Should -Be 'forestry'
        (Get-KgConcept Q10 -Source Wikibase -AsOf $T0.AddMonths(1).UtcDateTime).WikibaseRevision | Should -Be $Old10
        $Wiki.Violations | Should -BeNullOrEmpty
    }

    It 'never shows the password, also not at -Debug, and never writes it to the settings file' {
        Set-KgEnvironment -ConceptSource Wikibase -WikibaseUrl $Wiki.Url -WikibaseUsername 'Kg@tests'
        $all = Get-KgConcept Q10 -Source Wikibase -Debug -Verbose *>&1 | Out-String
        $all | Should -Match 'wbgetentities'       # the requests are in the debug stream
        $all | Should -Not -Match $Password
        Get-Content (Join-Path $TestHome 'settings.json') -Raw | Should -Not -Match $Password
        $Wiki.Requests -join "`n" | Should -Not -Match $Password
    }

    It 'is used by every command that takes a Wikibase ID when it is the configured source' {
        Remove-Item Env:KG_CONCEPT_PATH
        Set-KgEnvironment -ConceptSource Wikibase -WikibaseUrl $Wiki.Url
        (Get-KgConcept Q10).PreferredLabel | Should -Be 'forestry sector'
        $out = Invoke-KgClassifier -WikibaseId Q10 -Text 'Illegal logging and timber exports.'
        $out.Spans.LabelledText | Should -Be @('logging', 'timber')
        # Training reads what the original's get-concept reads: subconcept labels included, so the same IDs.
        $trained = Invoke-KgTraining Q1 -Environment sandbox -LocalOnly -OutputPath (Join-Path $TestHome 'local')
        $trained.ConceptId | Should -Be 'drhsy6pg'
        $trained.ClassifierId | Should -Be 'm442bf5a'
        $Wiki.Violations | Should -BeNullOrEmpty
    }

    It 'resolves a redirect to its target and says so' {
        $c = Get-KgConcept Q15 -Source Wikibase -WarningVariable warnings 3>$null
        $c.WikibaseId | Should -Be 'Q10'
        $warnings -join ' ' | Should -Match 'Q15 redirects to Q10'
    }

    It 'adds the labels of subconcepts three levels deep through a cycle' {
        $c = Get-KgConcept Q1 -Source Wikibase -IncludeSubconceptLabels
        $c.RecursiveHasSubconcept | Should -Be @('Q2', 'Q3', 'Q4')
        $c.AlternativeLabels | Should -Contain 'kerogen rock'
        $c.NegativeLabels | Should -Be @('olive oil', 'renewable energy')
        $c.Id | Should -Be 'drhsy6pg'
    }

    It 'reports a failed login as an authentication error that names the user, not the password' {
        $env:WIKIBASE_PASSWORD = 'not-the-password'
        $e = Get-KgError { Get-KgConcept Q10 -Source Wikibase }
        $e.FullyQualifiedErrorId | Should -BeLike 'WikibaseLoginFailed*'
        $e.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $e.Exception.Message | Should -Match 'Kg@tests'
        $e.Exception.Message | Should -Not -Match 'not-the-password'
    }

    It 'refuses a property ID, both -Revision and -AsOf, and Wikibase options on a file source, with clear errors' {
        { Get-KgConcept P20 -Source Wikibase } | Should -Throw -ExpectedMessage '*property*'
        (Get-KgError { Get-KgConcept Q10 -Source Wikibase -Revision 5 -AsOf (Get-Date) }).FullyQualifiedErrorId | Should -BeLike 'RevisionAndAsOf*'
        (Get-KgError { Get-KgConcept Q9001 -Revision 5 }).FullyQualifiedErrorId | Should -BeLike 'NotAWikibaseSource*'
        (Get-KgError { Get-KgConcept Q77 -Source Wikibase }).FullyQualifiedErrorId | Should -BeLike 'ConceptNotFound*'
    }

    It 'reads a fetched revision from the cache when the Wikibase is gone' {
        $online = Get-KgConcept Q1 -Source Wikibase -Revision $Rev1 -IncludeSubconceptLabels
        $Wiki.Dispose()
        $offline = Get-KgConcept Q1 -Source Wikibase -Revision $Rev1 -IncludeSubconceptLabels
        $offline.Id | Should -Be $online.Id
        $latest = Get-KgConcept Q1 -Source Wikibase -IncludeSubconceptLabels -WarningVariable warnings 3>$null
        $latest.Id | Should -Be $online.Id
        $warnings -join ' ' | Should -Match 'as cached'
        Test-Path (Join-Path $TestHome 'cache/wikibase') | Should -BeTrue
    }

    It 'lists every item of the Wikibase, following continue, for wildcards' {
        $Wiki.ListingPageSize = 2
        (Get-KgConcept 'Q1*' -Source Wikibase).WikibaseId | Should -Be @('Q1', 'Q10')
        @($Wiki.Requests | Where-Object { $_ -match 'list=allpages' }).Count | Should -Be 3
    }
}

Describe 'Save-KgConcept' {
    BeforeEach {
        $script:TestHome = New-KgTestHome
        $script:Wiki = New-Wiki
        Use-Wiki $Wiki
        $script:Out = Join-Path $TestHome 'out'
    }
    AfterEach {
        $Wiki.Dispose()
        foreach ($v in $Variables) { Remove-Item "Env:$v" -ErrorAction SilentlyContinue }
    }

    It 'writes the original JSON, refuses to replace a file without -Force, and writes nothing with -WhatIf' {
        $file = Get-KgConcept Q10 -Source Wikibase | Save-KgConcept -Path $Out -PassThru
        $file.Name | Should -Be 'Q10.json'
        $json = Get-Content $file.FullName -Raw | ConvertFrom-Json
        $json.wikibase_revision | Should -Be $New10
        (Get-KgConcept -Path $file.FullName).Id | Should -Be (Get-KgConcept Q10 -Source Wikibase).Id
        $before = Get-Content $file.FullName -Raw
        (Get-KgError { Get-KgConcept Q10 -Source Wikibase -Revision $Old10 | Save-KgConcept -Path $Out }).FullyQualifiedErrorId | Should -BeLike 'ConceptFileExists*'
        Get-KgConcept Q10 -Source Wikibase -Revision $Old10 | Save-KgConcept -Path $Out -Force -WhatIf
        Get-Content $file.FullName -Raw | Should -Be $before
        Get-KgConcept Q10 -Source Wikibase -Revision $Old10 | Save-KgConcept -Path $Out -Force
        (Get-Content $file.FullName -Raw | ConvertFrom-Json).preferred_label | Should -Be 'forestry'
    }
}

Describe 'Labelled passages from Argilla' {
    BeforeEach {
        $script:TestHome = New-KgTestHome
        $script:Wiki = New-Wiki
        Use-Wiki $Wiki
        $script:Argilla = [KnowledgeGraph.StandIns.ArgillaStandIn]@{ ApiKey = 'argilla-key' }
        $ws = $Argilla.AddWorkspace('knowledge-graph')
        $ds = $Argilla.AddDataset('Q10', $ws)
        $alice = $Argilla.AddUser('alice'); $bob = $Argilla.AddUser('bob')
        $A = [KnowledgeGraph.StandIns.ArgillaStandIn+Answer]
        $span = { param($s, $e) [ValueTuple[int, int, string]]::new($s, $e, 'Q10') }
        $null = $Argilla.AddRecord($ds, 'Timber exports grew.', $T0, $null, $null,
            [object[]]@($A::new($alice, 'submitted', @(& $span 0 6)), $A::new($bob, 'submitted', @(& $span 0 14))))
        $null = $Argilla.AddRecord($ds, 'Fisheries declined.', $T0, $null, $null,
            [object[]]@($A::new($alice, 'submitted', @()), $A::new($bob, 'submitted', @())))
        $env:ARGILLA_API_URL = $Argilla.Url
        $env:ARGILLA_API_KEY = 'argilla-key'
    }
    AfterEach {
        $Wiki.Dispose(); $Argilla.Dispose()
        foreach ($v in $Variables) { Remove-Item "Env:$v" -ErrorAction SilentlyContinue }
    }

    It 'adds the passages: annotators as labellers, a text nobody labelled as a negative' {
        $c = Get-KgConcept Q10 -Source Wikibase -IncludeLabelledPassages
        $c.LabelledPassages.Count | Should -Be 2
        $c.PositivePassageCount | Should -Be 1
        $c.LabelledPassages[0].Spans.Labellers | Should -Be @('alice', 'bob')
        $c.LabelledPassages[0].Spans.LabelledText | Should -Be @('Timber', 'Timber exports')
        $Argilla.Violations | Should -BeNullOrEmpty
    }

    It 'says so when the key is refused' {
        $env:ARGILLA_API_KEY = 'wrong'
        (Get-KgError { Get-KgConcept Q10 -Source Wikibase -IncludeLabelledPassages }).FullyQualifiedErrorId | Should -BeLike 'ArgillaAuthenticationFailed*'
    }
}
