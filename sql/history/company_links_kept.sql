-- The links clustering works on: company_links without the pairs analysts dropped (dropped_links). A
-- view: a copy of the million links to leave out a handful would cost more than the anti-join each of
-- its three readers repeats.
--
-- reads: company_links, dropped_links

create or replace view company_links_kept as
select l.*
from company_links as l
anti join dropped_links as d using (company_a, company_b);
