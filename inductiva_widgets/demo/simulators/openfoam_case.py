"""OpenFOAM's case deck: the dictionaries of a laminar flow past a cylinder (pimpleFoam)."""

from __future__ import annotations

import random

from ..text import fill_template

FOAM_BANNER = (
    "/*--------------------------------*- C++ -*----------------------------------*\\",
    r"| =========                 |                                                 |",
    r"| \\      /  F ield         | OpenFOAM: The Open Source CFD Toolbox           |",
    r"|  \\    /   O peration     | Version:  v2406                                 |",
    r"|   \\  /    A nd           | Website:  www.openfoam.com                      |",
    r"|    \\/     M anipulation  |                                                 |",
    "\\*---------------------------------------------------------------------------*/",
)

_FOAM_CONTROL = """\
application     pimpleFoam;

startFrom       startTime;
startTime       0;
stopAt          endTime;
endTime         <<end>>;
deltaT          0.0005;

writeControl    adjustable;
writeInterval   0.05;
purgeWrite      0;
writeFormat     ascii;
writePrecision  8;
writeCompression off;
timeFormat      general;
timePrecision   6;
runTimeModifiable true;
adjustTimeStep  yes;
maxCo           0.9;

functions
{
    forces
    {
        type            forces;
        libs            (forces);
        writeControl    timeStep;
        writeInterval   1;
        patches         (cylinder);
        rho             rhoInf;
        rhoInf          1000;
        CofR            (0 0 0);
    }

    probes
    {
        type            probes;
        libs            (sampling);
        fields          (p U);
        probeLocations  ((0.5 0 0) (1.0 0 0) (2.0 0.1 0));
    }
}
"""

_FOAM_SCHEMES = """\
ddtSchemes
{
    default         backward;
}

gradSchemes
{
    default         Gauss linear;
    grad(U)         cellLimited Gauss linear 1;
}

divSchemes
{
    default         none;
    div(phi,U)      Gauss linearUpwind grad(U);
    div((nuEff*dev2(T(grad(U))))) Gauss linear;
}

laplacianSchemes
{
    default         Gauss linear corrected;
}

interpolationSchemes
{
    default         linear;
}

snGradSchemes
{
    default         corrected;
}
"""

_FOAM_SOLUTION = """\
solvers
{
    p
    {
        solver          PCG;
        preconditioner  DIC;
        tolerance       1e-06;
        relTol          0.05;
    }

    pFinal
    {
        $p;
        relTol          0;
    }

    "(U|UFinal)"
    {
        solver          smoothSolver;
        smoother        symGaussSeidel;
        tolerance       1e-05;
        relTol          0;
    }
}

PIMPLE
{
    momentumPredictor yes;
    nOuterCorrectors  1;
    nCorrectors       2;
    nNonOrthogonalCorrectors 0;
    pRefCell          0;
    pRefValue         0;
}
"""

_FOAM_U = """\
dimensions      [0 1 -1 0 0 0 0];

internalField   uniform (<<u>> 0 0);

boundaryField
{
    inlet
    {
        type            fixedValue;
        value           uniform (<<u>> 0 0);
    }
    outlet
    {
        type            zeroGradient;
    }
    cylinder
    {
        type            noSlip;
    }
    "(top|bottom)"
    {
        type            slip;
    }
    frontAndBack
    {
        type            empty;
    }
}
"""

_FOAM_P = """\
dimensions      [0 2 -2 0 0 0 0];

internalField   uniform 0;

boundaryField
{
    inlet
    {
        type            zeroGradient;
    }
    outlet
    {
        type            fixedValue;
        value           uniform 0;
    }
    cylinder
    {
        type            zeroGradient;
    }
    "(top|bottom)"
    {
        type            slip;
    }
    frontAndBack
    {
        type            empty;
    }
}
"""


def _foam_file(cls: str, obj: str, body: str, location: str = "") -> str:
    loc = f'    location    "{location}";\n' if location else ""
    rule = "// " + "* " * 37 + "//"
    return ("\n".join(FOAM_BANNER) + "\nFoamFile\n{\n    version     2.0;\n"
            f"    format      ascii;\n    class       {cls};\n{loc}    object      {obj};\n}}\n"
            f"{rule}\n\n{body}\n\n{'// ' + '*' * 73 + ' //'}\n")


def openfoam_deck(rng: random.Random) -> dict[str, str]:
    u = round(rng.uniform(0.8, 1.2), 2)
    nu = rng.choice(("1e-04", "2e-04", "5e-05"))
    transport = f"transportModel  Newtonian;\n\nnu              {nu};"
    return {
        "system/controlDict": _foam_file("dictionary", "controlDict",
                                         fill_template(_FOAM_CONTROL, end=rng.choice((4, 5, 8))),
                                         "system"),
        "system/fvSchemes": _foam_file("dictionary", "fvSchemes", _FOAM_SCHEMES, "system"),
        "system/fvSolution": _foam_file("dictionary", "fvSolution", _FOAM_SOLUTION, "system"),
        "constant/transportProperties": _foam_file("dictionary", "transportProperties",
                                                   transport, "constant"),
        "0/U": _foam_file("volVectorField", "U", fill_template(_FOAM_U, u=u), "0"),
        "0/p": _foam_file("volScalarField", "p", _FOAM_P, "0"),
    }
