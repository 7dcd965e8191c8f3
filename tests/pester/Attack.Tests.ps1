BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SharedData.ps1')
    $script:IsRoot = -not $IsWindows -and (& id -u) -eq '0'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

# Issue 9, section 6: what an attack on the built module found, each reproduced first.
Describe 'Two spec updates at once on the <Kind> store' -ForEach $StoreKinds {
    BeforeAll {
        if (-not $Available) { return }
        $script:TestHome = Initialize-KgTestStore $Kind
        $script:Specs = Split-Path (New-Item -ItemType Directory (Join-Path $TestHome 'classifier_specs/v2') -Force)
        $concepts = New-Item -ItemType Directory (Join-Path $TestHome 'concepts')
        Copy-Item (Join-Path $ExampleConcepts 'Q9001.json') $concepts
        '{"preferred_label": "drought", "wikibase_id": "Q9002", "alternative_labels": ["dry spell"]}' | Set-Content (Join-Path $concepts 'Q9002.json')
        $env:KG_CONCEPT_PATH = $concepts
        Invoke-KgTraining Q9001 -Environment labs | Publish-KgClassifier -AddClassifiersProfile primary | Out-Null
    }

    It 'never loses the entry of a deployment that finished while a slower update was running' -Skip:(-not $Available) {
        $gate = New-Item -ItemType Directory (Join-Path $TestHome 'gate')
        # A: an update that read the registry before B's promotion, held after planning (it holds the file's lock).
        $a = Start-KgChild "Update-KgInferenceSpec labs -Path '$Specs'" @{ KG_TEST_SPEC_PAUSE = $gate.FullName }
        Wait-Until { Get-ChildItem $gate -Filter 'planned-*' }
        # B: a deployment that promotes Q9002 and then updates the same spec file.
        $b = Start-KgChild "Deploy-KgClassifier Q9002 -Environment labs -AddClassifiersProfile primary -SpecPath '$Specs' | Out-Null"
        $null = $b.Process.WaitForExit(15000)   # with the lock, B waits for A here; without it, B finishes first
        New-Item -ItemType File (Join-Path $gate 'go') | Out-Null
        $a.Process.WaitForExit(60000) | Should -BeTrue
        $b.Process.WaitForExit(60000) | Should -BeTrue
        $a.Process.ExitCode | Should -Be 0 -Because $a.Err.Result
        $b.Process.ExitCode | Should -Be 0 -Because $b.Err.Result
        (Get-KgClassifier -Environment labs -Promoted).WikibaseId | Should -Be @('Q9001', 'Q9002')
        $listed = Select-String -Path (Join-Path $Specs 'v2/labs.yaml') -Pattern '^- wikibase_id: (Q\d+)$' | ForEach-Object { $_.Matches[0].Groups[1].Value }
        $listed | Should -Be @('Q9001', 'Q9002')
        Get-ChildItem (Join-Path $Specs 'v2') -Force -Filter '.labs.yaml.lock' | Should -BeNullOrEmpty
    }
}

Describe 'Hostile input' {
    BeforeAll {
        $script:TestHome = New-KgTestHome
        $script:Bad = New-Item -ItemType Directory (Join-Path $TestHome 'bad')
        function Set-Concept([string] $Id, [string] $Json) { Set-Content -Path (Join-Path $Bad "$Id.json") -Value $Json -NoNewline }
    }

    It 'reports one duplicate repeated through a YAML alias once, in bounded memory' {
        $file = Join-Path $TestHome 'anchors.yaml'
        $lines = [System.Collections.Generic.List[string]]::new()
        $lines.Add('- &e {wikibase_id: Q5, classifier_id: abcd2345, classifiers_profile: primary, wandb_registry_version: v1}')
        foreach ($i in 1..10000) { $lines.Add('- *e') }
        Set-Content $file $lines
        $r = Invoke-KgChild -Script @"
Import-Module `$env:KG_TEST_MODULE
`$v = Test-KgInferenceSpec '$file'
"violations=`$(@(`$v).Count) rules=`$((`$v.Rule | Sort-Object) -join ',')"
'peak=' + ((Get-Content /proc/self/status | Where-Object { `$_ -like 'VmHWM:*' }) -replace '\D', '')
"@
        $r.Output | Should -Match 'violations=2 rules=DuplicateClassifierId,ProfileMultiplicity'
        [long]($r.Output -split "`n" | Where-Object { $_ -like 'peak=*' } | ForEach-Object { $_.Substring(5) }) | Should -BeLessThan (1GB / 1KB)   # kB
    }

    It 'refuses a store that is not a folder or a bucket: <Store>' -ForEach @(
        @{ Store = 'file://' }, @{ Store = 'file:///' }, @{ Store = '/' }, @{ Store = 'file://host/share' }, @{ Store = 'file:relative' },
        @{ Store = 's3://kg-bucket/prefix?x=1' }, @{ Store = "/tmp/kg`nstore" }, @{ Store = '/dev/null' }, @{ Store = 's3://kg-bucket/..' },
        @{ Store = 's3://kg-bucket/{bogus}' }
    ) {
        $e = Get-KgError { Set-KgEnvironment labs -Store $Store }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidStore,*'
        Test-Path (Join-Path $TestHome 'settings.json') | Should -BeFalse
    }

    It 'refuses such a store from an environment variable too, and writes nothing at the root' {
        # Compare before and after rather than test for absence: a run of an older build may have left /blobs behind.
        $atRoot = { @(Get-ChildItem / -Force -Name) + @('/blobs', '/models' | Where-Object { Test-Path $_ } | ForEach-Object { Get-ChildItem $_ -Recurse -Force -Name }) }
        $before = & $atRoot
        $env:KG_LABS_STORE = 'file://'
        try {
            (Get-KgError { Invoke-KgTraining Q9001 -Environment labs }).FullyQualifiedErrorId | Should -BeLike 'InvalidStore,*'
        }
        finally { Remove-Item Env:KG_LABS_STORE }
        & $atRoot | Should -Be $before
    }

    It 'expands ~ in a store to the home folder' {
        Set-KgEnvironment labs -Store '~/kg-test-store-labs' -WhatIf
        $env:KG_LABS_STORE = '~/kg-test-store-labs'
        try { (Get-KgEnvironment labs).Store | Should -Be (Join-Path ([Environment]::GetFolderPath('UserProfile')) 'kg-test-store-labs') }
        finally { Remove-Item Env:KG_LABS_STORE }
    }

    It 'refuses an environment given as $null, an empty list or a number' {
        foreach ($command in { Update-KgInferenceSpec -Environment $null }, { Set-KgEnvironment -Environment $null -Region eu-west-1 }, { Get-KgClassifier -Environment @() },
            { Get-KgEnvironment -Environment 3 }, { Get-KgEnvironment -Environment '3' }) {
            $e = Get-KgError $command
            $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
            $e.Exception.Message | Should -Match 'labs, sandbox, staging, production'
        }
        Test-Path (Join-Path $TestHome 'settings.json') | Should -BeFalse
    }

    It 'reports concept JSON it used to accept or crash on, with the file: <Why>' -ForEach @(
        @{ Why = 'a fractional offset'; Json = '{"preferred_label": "x", "wikibase_id": "Q5", "labelled_passages": [{"text": "abc", "spans": [{"start_index": 1.5, "end_index": 2}]}]}'; Expect = 'whole numbers' }
        @{ Why = 'a huge offset'; Json = '{"preferred_label": "x", "wikibase_id": "Q5", "labelled_passages": [{"text": "abc", "spans": [{"start_index": 0, "end_index": 1e20}]}]}'; Expect = 'whole numbers' }
        @{ Why = 'labels as a string'; Json = '{"preferred_label": "x", "wikibase_id": "Q5", "alternative_labels": "forest"}'; Expect = "'alternative_labels' must be a list" }
        @{ Why = 'passages as an object'; Json = '{"preferred_label": "x", "wikibase_id": "Q5", "labelled_passages": {}}'; Expect = "'labelled_passages' must be a list" }
        @{ Why = 'a key given twice'; Json = '{"preferred_label": "x", "wikibase_id": "Q5", "wikibase_id": "Q6"}'; Expect = 'Duplicate|twice|duplicate' }
        @{ Why = 'a rank as a number'; Json = '{"preferred_label": "x", "wikibase_id": "Q5", "classifier_ids": [["5", "abcd2345"]]}'; Expect = "'5' is not a statement rank" }
        @{ Why = 'an ID as a number'; Json = '{"preferred_label": "x", "wikibase_id": 5}'; Expect = "'wikibase_id' must be a string" }
        @{ Why = 'no ID'; Json = '{"preferred_label": "x"}'; Expect = 'has no wikibase_id' }
    ) {
        Set-Concept Q5 $Json
        $e = Get-KgError { Get-KgConcept Q5 -Path $Bad }
        $e.FullyQualifiedErrorId | Should -Match '^(InvalidConceptData|InvalidJson),'
        $e.Exception.Message | Should -Match ([regex]::Escape((Join-Path $Bad 'Q5.json')))
        $e.Exception.Message | Should -Match $Expect
    }

    It 'refuses invalid UTF-8 instead of replacing it' {
        [IO.File]::WriteAllBytes((Join-Path $Bad 'Q5.json'), [byte[]](@(0x7B, 0x22, 0x70, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D)))
        (Get-KgError { Get-KgConcept Q5 -Path $Bad }).FullyQualifiedErrorId | Should -BeLike 'InvalidEncoding,*'
    }

    It 'outputs a concept file without an ID when that file is asked for, and trains nothing from it' {
        Set-Concept Q5 '{"preferred_label": "five"}'
        (Get-KgConcept -Path (Join-Path $Bad 'Q5.json')).PreferredLabel | Should -Be 'five'
        $e = Get-KgError { Invoke-KgTraining Q5 -Environment sandbox -ConceptPath $Bad }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidConceptData,*'
        Get-KgClassifier -Environment sandbox -AllVersions | Should -BeNullOrEmpty
    }

    It 'stores nothing for a concept without a usable ID on S3 either' -Skip:(-not $HasS3) {
        $saved = $env:KG_HOME
        $kgHome = New-KgTestHome
        $bucket = Use-TestS3Store
        $folder = New-Item -ItemType Directory (Join-Path $kgHome 'c')
        '{"preferred_label": "six", "wikibase_id": 6}' | Set-Content (Join-Path $folder 'Q6.json')
        '{"preferred_label": "seven"}' | Set-Content (Join-Path $folder 'Q7.json')
        (Get-KgError { Invoke-KgTraining Q6 -Environment sandbox -ConceptPath $folder }).FullyQualifiedErrorId | Should -BeLike 'InvalidConceptData,*'
        (Get-KgError { Invoke-KgTraining Q7 -Environment sandbox -ConceptPath $folder }).FullyQualifiedErrorId | Should -BeLike 'InvalidConceptData,*'
        (Test-KgEnvironment sandbox -Deep).Succeeded | Should -BeTrue
        Get-KgClassifier -Environment sandbox -AllVersions | Should -BeNullOrEmpty
        $env:KG_HOME = $saved
    }

    It 'reports a fractional offset in an -InputPath file with its line' {
        $file = Join-Path $TestHome 'bad.jsonl'
        '{"text": "fine"}', '{"text": "abc", "spans": [{"start_index": 0, "end_index": 1e20}]}' | Set-Content $file
        $e = Get-KgError { Invoke-KgClassifier Q9001 -InputPath $file }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidConceptData,*'
        $e.Exception.Message | Should -Match 'bad.jsonl, line 2'
    }

    It 'says a folder given as -InputPath is a folder' {
        (Get-KgError { Invoke-KgClassifier Q9001 -InputPath $TestHome }).FullyQualifiedErrorId | Should -BeLike 'PathIsFolder,*'
    }

    It 'refuses a pipe named like a concept file at once instead of hanging' -Skip:$IsWindows {
        $fifo = Join-Path $Bad 'Q8.json'
        & mkfifo $fifo
        $r = Start-KgChild "Get-KgConcept Q8 -Path '$Bad' -ErrorAction Continue 2>&1 | ForEach-Object { `$_.FullyQualifiedErrorId }"
        $r.Process.WaitForExit(30000) | Should -BeTrue -Because 'reading a FIFO must not block'
        $r.Out.Result | Should -Match 'NotARegularFile'
        Remove-Item $fifo
    }

    It 'revalidates a classifier object built by hand before acting on it' {
        $fake = [KnowledgeGraph.Lifecycle.ClassifierInfo]@{
            WikibaseId = 'Q0'; ClassifierId = 'abcd2345'; ClassifierName = 'KeywordClassifier'; Version = [KnowledgeGraph.Identifiers.ModelVersion]'v0'
            Environment = 'Sandbox'; ManifestSha256 = 'x'; ModelSha256 = 'x'; Store = 'x'
        }
        $e = Get-KgError { $fake | Publish-KgClassifier -AddClassifiersProfile primary }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidInputObject,*'
        $e.Exception.Message | Should -Match "'Q0'"
    }

    It 'reports a settings file that is not the module''s' {
        '[]' | Set-Content (Join-Path $env:KG_HOME 'settings.json')
        try {
            $e = Get-KgError { Get-KgEnvironment sandbox }
            $e.FullyQualifiedErrorId | Should -BeLike 'InvalidSettings,*'
            $e.Exception.Message | Should -Match 'settings.json'
        }
        finally { Remove-Item (Join-Path $env:KG_HOME 'settings.json') }
    }

    It 'refuses credentials in an endpoint URL and never prints them' {
        $e = Get-KgError { Set-KgEnvironment sandbox -EndpointUrl 'http://user:PASS@127.0.0.1:9' }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidEndpointUrl,*'
        $e.Exception.Message | Should -Not -Match 'PASS'
        $env:KG_SANDBOX_STORE = 's3://kg-bucket/x'
        $env:KG_SANDBOX_ENDPOINT_URL = 'http://user:PASS@127.0.0.1:9'
        try {
            $out = Get-KgClassifier -Environment sandbox -Verbose -ErrorAction Continue *>&1 | Out-String
            $out | Should -Match 'credentials in it'
            $out | Should -Not -Match 'PASS'
            (Get-KgEnvironment sandbox -ErrorAction Continue 2>&1 | Out-String) | Should -Not -Match 'PASS'
        }
        finally { Remove-Item Env:KG_SANDBOX_STORE, Env:KG_SANDBOX_ENDPOINT_URL }
    }

    It 'refuses version v01 instead of reading it as v1' {
        $e = Get-KgError { Publish-KgClassifier Q9001 abcd2345 sandbox -Version v01 -AddClassifiersProfile primary }
        $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
        $e.Exception.Message | Should -Match 'without leading zeros'
    }

    It 'reports a concept folder it may not read as permission denied' -Skip:$IsRoot {
        $locked = New-Item -ItemType Directory (Join-Path $TestHome 'locked')
        & chmod 000 $locked
        try { (Get-KgError { Get-KgConcept -Path $locked }).FullyQualifiedErrorId | Should -BeLike 'ConceptFolderNotReadable,*' }
        finally { & chmod 755 $locked }
    }

    It 'classifies a large -InputPath file as a stream, in order' {
        $file = Join-Path $TestHome 'many.jsonl'
        $lines = foreach ($i in 1..20000) { "{`"id`": `"p$i`", `"text`": `"passage $i about river flooding`"}" }
        [IO.File]::WriteAllLines($file, [string[]]$lines)
        $first = $null; $count = 0; $last = $null
        Invoke-KgClassifier Q9001 -InputPath $file | ForEach-Object { if ($count -eq 0) { $first = $_ }; $count++; $last = $_ }
        $count | Should -Be 20000
        $first.Id | Should -Be 'p1'
        $last.Id | Should -Be 'p20000'
        $last.Spans.LabelledText | Should -Be 'river flooding'
    }
}

Describe 'A stale temporary spec file' {
    BeforeAll { $script:TestHome = New-KgTestHome }

    It 'is removed when its writer died, and kept while its writer lives' {
        $specs = New-Item -ItemType Directory (Join-Path $TestHome 'classifier_specs/v2') -Force
        $dead = Start-Process -FilePath 'true' -PassThru; $dead.WaitForExit()
        $stale = Join-Path $specs ".sandbox.yaml.$($dead.Id).$([guid]::NewGuid().ToString('N')).tmp"
        $live = Join-Path $specs ".sandbox.yaml.$PID.$([guid]::NewGuid().ToString('N')).tmp"
        'half' | Set-Content $stale; 'busy' | Set-Content $live
        Update-KgInferenceSpec sandbox -Path (Split-Path $specs)
        Test-Path $stale | Should -BeFalse
        Test-Path $live | Should -BeTrue
    }
}

Describe 'A change the store lost the connection after' {
    BeforeAll {
        if (-not $HasS3) { return }
        $script:TestHome = Initialize-KgTestStore S3
        $script:Cid = (Invoke-KgTraining Q9001 -Environment sandbox | Publish-KgClassifier -AddClassifiersProfile primary).ClassifierId
    }

    It 'is reported as done when the gateway stops after the record was written' -Skip:(-not $HasS3) {
        # Every store write waits 3 s first: the record is written, then the (cache) snapshot waits; the gateway stops then.
        $child = Start-KgChild "Set-KgClassifierMetadata Q9001 $Cid sandbox -AddDontRunOn sabin -ErrorAction Stop" @{ KG_TEST_WRITE_DELAY_MS = '3000' }
        try {
            Wait-Until { @(Get-KgClassifierHistory Q9001 -Environment sandbox).Count -eq 2 } -Seconds 60
            & bash $env:KG_TEST_S3_SCRIPT stop-gateway $env:KG_TEST_S3_SERVER
            $child.Process.WaitForExit(90000) | Should -BeTrue
        }
        finally { & bash $env:KG_TEST_S3_SCRIPT start-gateway $env:KG_TEST_S3_SERVER }
        $child.Process.ExitCode | Should -Be 0 -Because "$($child.Err.Result)"
        (Get-KgClassifier Q9001 -Environment sandbox -Promoted).DontRunOn | Should -Be 'sabin'
    }
}

Describe 'A store someone edited by hand' {
    BeforeAll {
        $script:TestHome = New-KgTestHome
        $script:Specs = Split-Path (New-Item -ItemType Directory (Join-Path $TestHome 'classifier_specs/v2') -Force)
        $script:Trained = Invoke-KgTraining Q9001 -Environment sandbox
        $Trained | Publish-KgClassifier -AddClassifiersProfile primary | Out-Null
        $script:Store = (Get-KgEnvironment sandbox).Store
    }

    It 'ignores and reports an edited snapshot' {
        $state = Join-Path $Store 'registry/Q9001/state.json'
        (Get-Content $state -Raw) -replace '"classifiers_profile":"primary"', '"classifiers_profile":"retired"' | Set-Content $state -NoNewline
        (Get-KgClassifier Q9001 -Environment sandbox -Promoted).ClassifiersProfile | Should -Be 'primary'
        $t = Test-KgEnvironment sandbox -Deep
        $t.Succeeded | Should -BeFalse
        $t.ErrorIds | Should -Contain 'SnapshotMismatch'
    }

    It 'reports an edited manifest and keeps it out of the spec' {
        $manifest = Join-Path $Store "models/Q9001/$($Trained.ClassifierId)/v0/manifest.json"
        (Get-Content $manifest -Raw) -replace '"aws_env": "sandbox"', '"aws_env": "sandbox" ' | Set-Content $manifest -NoNewline
        $err = $null
        Get-KgClassifier Q9001 -Environment sandbox -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ManifestChanged,*'
        $e = Get-KgError { Update-KgInferenceSpec sandbox -Path $Specs }
        $e.FullyQualifiedErrorId | Should -BeLike 'DanglingRegistryEntry,*'
        Test-Path (Join-Path $Specs 'v2/sandbox.yaml') | Should -BeFalse
        (Test-KgEnvironment sandbox -Deep).ErrorIds | Should -Contain 'ManifestChanged'
    }

    It 'refuses a log with an edited record' {
        $record = Join-Path $Store 'registry/Q9001/records/0000000001.json'
        (Get-Content $record -Raw) -replace '"classifiers_profile": "primary"', '"classifiers_profile": "experimental"' | Set-Content $record -NoNewline
        Remove-Item (Join-Path $Store 'registry/Q9001/state.json')
        (Get-KgError { Get-KgClassifierHistory Q9001 -Environment sandbox }).FullyQualifiedErrorId | Should -BeLike 'TamperedRegistry,*'
        (Test-KgEnvironment sandbox -Deep).ErrorIds | Should -Contain 'TamperedRegistry'
    }
}
