-- The links clustering works on: company_links without the pairs analysts dropped (dropped_links).
--
-- reads: company_links, dropped_links

create or replace table company_links_kept as
select l.*
from company_links as l
anti join dropped_links as d using (company_a, company_b);
