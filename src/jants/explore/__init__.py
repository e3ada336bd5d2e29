"""Reading a package for people: tables in pandas, charts, the HTML report, the codebook."""
