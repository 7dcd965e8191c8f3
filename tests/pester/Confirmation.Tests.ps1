BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SharedData.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    # Three concepts trained for production, in a child's home; the child promotes them through one pipeline.
    function New-ProductionHome {
        $kgHome = New-KgTestHome
        $concepts = New-Item -ItemType Directory (Join-Path $kgHome 'concepts')
        foreach ($n in 1..3) { "{`"preferred_label`": `"concept $n`", `"wikibase_id`": `"Q$n`"}" | Set-Content (Join-Path $concepts "Q$n.json") }
        $env:KG_CONCEPT_PATH = $concepts
        'Q1', 'Q2', 'Q3' | Invoke-KgTraining -Environment production -NoEvaluate | Out-Null
        Get-KgChildEnvironment
    }
    $script:Promote = 'Import-Module $env:KG_TEST_MODULE; Get-KgClassifier -Environment production | Publish-KgClassifier -AddClassifiersProfile primary {0} | ForEach-Object {{ "promoted $($_.WikibaseId)" }}'
}

# Issue 9, section 2: confirmation of production changes, interactive and not.
Describe 'Confirming production changes' {
    It 'asks once for a whole pipeline when the answer is Yes to All' {
        $childEnv = New-ProductionHome
        $r = Invoke-KgChild -Environment $childEnv -Script ($Promote -f '') -InputText 'A'
        ([regex]::Matches($r.Output, 'Change production')).Count | Should -Be 1
        $r.Output | Should -Match 'promoted Q1'
        $r.Output | Should -Match 'promoted Q3'
        @(Get-KgClassifier -Environment production -Promoted).Count | Should -Be 3
    }

    It 'stops asking after No to All, and changes nothing' {
        $childEnv = New-ProductionHome
        $r = Invoke-KgChild -Environment $childEnv -Script ($Promote -f '') -InputText 'L'
        ([regex]::Matches($r.Output, 'Change production')).Count | Should -Be 1
        Get-KgClassifier -Environment production -Promoted | Should -BeNullOrEmpty
    }

    It 'asks once per change with -Confirm, not twice' {
        $childEnv = New-ProductionHome
        $r = Invoke-KgChild -Environment $childEnv -Script ($Promote -f '-Confirm') -InputText 'Y', 'Y', 'Y', 'Y', 'Y', 'Y'
        ([regex]::Matches($r.Output, '\[Y\] Yes')).Count | Should -Be 3
        @(Get-KgClassifier -Environment production -Promoted).Count | Should -Be 3
    }

    It 'writes ProductionConfirmationRequired, naming -Force, for each change a non-interactive session cannot confirm, and goes on' {
        $childEnv = New-ProductionHome
        Invoke-KgTraining Q1 -Environment sandbox -NoEvaluate | Out-Null
        $r = Invoke-KgChild -Environment $childEnv -Script @'
Import-Module $env:KG_TEST_MODULE
Get-KgClassifier -Environment production, sandbox | Publish-KgClassifier -AddClassifiersProfile primary -ErrorVariable ev -ErrorAction SilentlyContinue | ForEach-Object { "promoted $($_.WikibaseId) in $($_.Environment)" }
$ev | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0]; $_.Exception.Message -match '-Force' }
'@
        $r.ExitCode | Should -Be 0
        $r.Output | Should -Match 'promoted Q1 in Sandbox'
        ([regex]::Matches($r.Output, 'ProductionConfirmationRequired')).Count | Should -Be 3
        $r.Output | Should -Not -Match 'False'
        Get-KgClassifier -Environment production -Promoted | Should -BeNullOrEmpty
    }

    It 'confirms production spec updates like the other production changes' {
        $childEnv = New-ProductionHome
        Get-KgClassifier -Environment production | Publish-KgClassifier -AddClassifiersProfile primary -Force | Out-Null
        $specs = New-Item -ItemType Directory (Join-Path $env:KG_HOME 'classifier_specs/v2') -Force
        $r = Invoke-KgChild -Environment $childEnv -Script "Import-Module `$env:KG_TEST_MODULE; Update-KgInferenceSpec production -Path '$(Split-Path $specs)' -ErrorAction Continue 2>&1 | ForEach-Object { `$_.FullyQualifiedErrorId }"
        $r.Output | Should -Match 'ProductionConfirmationRequired'
        Test-Path (Join-Path $specs 'production.yaml') | Should -BeFalse
        $r = Invoke-KgChild -Environment $childEnv -Script "Import-Module `$env:KG_TEST_MODULE; Update-KgInferenceSpec production -Path '$(Split-Path $specs)' -Force"
        $r.ExitCode | Should -Be 0
        @(Select-String -Path (Join-Path $specs 'production.yaml') -Pattern '^- wikibase_id').Count | Should -Be 3
    }
}
